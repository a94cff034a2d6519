/** Small display helpers shared by the panes. */

/** "Ann Lee" from a Bot API user or a UserView. */
export function fullName(u) {
  if (!u) return "";
  return [u.first_name ?? u.firstName, u.last_name ?? u.lastName].filter(Boolean).join(" ");
}

/** Up to two initials. */
export function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => [...w][0].toUpperCase()).join("");
}

const AVATAR_COLORS = ["#e17076", "#faa774", "#a695e7", "#7bc862", "#6ec9cb", "#65aadd", "#ee7aae"];

/** Telegram-like avatar colour from an id. */
export const avatarColor = (id) => AVATAR_COLORS[Math.abs(Number(id)) % AVATAR_COLORS.length];

/** "14:05" from Unix seconds. */
export function clock(seconds) {
  const d = new Date(seconds * 1000);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** "14:05:09" from Unix milliseconds. */
export function clockMs(ms) {
  return new Date(ms).toTimeString().slice(0, 8);
}

const MEDIA = [
  ["photo", "🖼 Photo"], ["video", "🎬 Video"], ["voice", "🎤 Voice message"], ["audio", "🎵 Audio"],
  ["animation", "🎞 GIF"], ["document", "📄 File"], ["sticker", "🙂 Sticker"], ["video_note", "⏺ Video message"],
  ["location", "📍 Location"], ["contact", "👤 Contact"], ["poll", "📊 Poll"], ["dice", "🎲 Dice"],
];

/** The media label of a message ("🖼 Photo"), or "" for plain text. */
export function mediaLabel(m) {
  const found = MEDIA.find(([key]) => m[key] !== undefined);
  return found ? found[1] : "";
}

/** One line describing a message, for lists and reply quotes. */
export function preview(m) {
  if (!m) return "";
  const service = serviceText(m);
  if (service) return service;
  const text = m.text ?? m.caption ?? "";
  const media = mediaLabel(m);
  return media && text ? `${media}, ${text}` : media || text;
}

/** The sentence a topic service message shows, or "" for other messages. */
export function serviceText(m) {
  if (m.forum_topic_created) return `Topic “${m.forum_topic_created.name}” created`;
  if (m.forum_topic_edited) return m.forum_topic_edited.name ? `Renamed to “${m.forum_topic_edited.name}”` : "Topic edited";
  if (m.forum_topic_closed) return "Topic closed";
  if (m.forum_topic_reopened) return "Topic reopened";
  return "";
}

/** Telegram's six topic colours as CSS. */
export const topicColor = (n) => `#${Number(n || 7322096).toString(16).padStart(6, "0")}`;

/** The status square a topic title starts with, and the rest. */
export function splitTitle(name) {
  const match = /^(🟪|🟨|⬛️|⬛|🟥|🟩|🟦)\s*(.*)$/u.exec(name);
  return match ? { square: match[1], rest: match[2] } : { square: "", rest: name };
}

/** The square for a conversation's state. */
export function stateSquare(view) {
  if (!view) return "";
  if (view.state === "closed") return "⬛️";
  if (view.state === "banned") return "🚫";
  if (view.status === "user_answered") return "🟪";
  if (view.status === "support_answered") return "🟨";
  return "";
}

/** "topic open · user answered" */
export function stateLabel(view) {
  if (!view) return "no conversation yet";
  return [view.state.replace(/-/g, " "), view.status?.replace(/_/g, " ")].filter(Boolean).join(" · ");
}
