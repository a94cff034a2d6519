/** Stable aliases for users whose names are hidden: the same user always gets the same alias. */

const adjectives = ["Amber", "Brave", "Calm", "Clever", "Eager", "Gentle", "Happy", "Jolly", "Kind", "Lucky", "Merry", "Noble", "Quiet", "Swift", "Witty", "Zesty"];
const animals = ["Badger", "Crane", "Dolphin", "Falcon", "Fox", "Heron", "Koala", "Lynx", "Otter", "Panda", "Puffin", "Raven", "Seal", "Tiger", "Walrus", "Wren"];

/** FNV-1a: tiny, stable across runtimes and versions (unlike anything in Math.random). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** "Calm Otter 4821": readable, stable per (bot, user), and not derived visibly from the id. */
export function aliasOf(botId: string, userId: number): string {
  const h = hash(`${botId}:${userId}`);
  return `${adjectives[h % 16]} ${animals[(h >>> 4) % 16]} ${String((h >>> 8) % 10_000).padStart(4, "0")}`;
}
