/** Sending methods: sendMessage, the media senders, location/contact/poll/dice, albums, chat actions. */
import { ALBUM_KINDS, makeDice, makePoll, newMediaGroupId } from "../content.ts";
import { E, badRequest } from "../errors.ts";
import { mediaFields, type FileKind, type StoredFile } from "../files.ts";
import { parseHtml } from "../html.ts";
import { isUpload } from "../params.ts";
import {
  chatForSend,
  checkParseMode,
  postBotMessage,
  replyFor,
  sendExtras,
  threadFor,
  type MethodContext,
  type MethodHandler,
} from "./context.ts";

const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;

/** Resolves a file parameter: upload, attach://name, URL, or a known file_id. */
export function resolveFile(ctx: MethodContext, kind: FileKind, value: unknown): StoredFile {
  const files = ctx.world.files;
  if (typeof value === "string" && value.startsWith("attach://")) value = ctx.params.raw[value.slice(9)];
  if (isUpload(value)) {
    const name = (value as { name?: string }).name;
    return files.create(kind, { fileName: name || undefined, mimeType: value.type || undefined, size: value.size, data: value });
  }
  if (typeof value !== "string" || value === "") throw badRequest(`Bad Request: there is no ${kind} in the request`);
  if (/^https?:\/\//.test(value)) return files.create(kind);
  const file = files.get(value);
  if (!file) throw badRequest(E.wrongFileId);
  const compatible = file.kind === kind || (new Set([file.kind, kind]).size === 2 && [file.kind, kind].every((k) => k === "document" || k === "animation"));
  if (!compatible) throw badRequest(E.fileTypeMismatch);
  return file;
}

function captionFields(caption: string | undefined, entities: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (caption === undefined || caption === "") return out;
  if (caption.length > MAX_CAPTION) throw badRequest(E.captionTooLong);
  out.caption = caption;
  if (Array.isArray(entities) && entities.length) out.caption_entities = entities;
  return out;
}

/** Shared tail of every single-message send: checks, flood limit, store. */
function send(ctx: MethodContext, build: () => Record<string, unknown>) {
  const chat = chatForSend(ctx);
  const reply = replyFor(ctx, chat, threadFor(ctx, chat));
  const content = { ...build(), ...sendExtras(ctx) };
  ctx.world.consumeQuota(ctx.bot, chat, 1);
  return postBotMessage(ctx, chat, content, reply).message;
}

const sendMessage: MethodHandler = (ctx) =>
  send(ctx, () => {
    const text = ctx.params.str("text");
    if (text === undefined || text.trim() === "") throw badRequest(E.textEmpty);
    if (text.length > MAX_TEXT) throw badRequest(E.textTooLong);
    checkParseMode(ctx);
    // HTML is parsed like Telegram does it (other parse modes are stored as sent).
    if (ctx.params.str("parse_mode")?.toLowerCase() === "html") {
      const parsed = parseHtml(text);
      return parsed.entities.length > 0 ? { text: parsed.text, entities: parsed.entities } : { text: parsed.text };
    }
    const out: Record<string, unknown> = { text };
    const entities = ctx.params.json<unknown[]>("entities");
    if (Array.isArray(entities) && entities.length) out.entities = entities;
    return out;
  });

function mediaSender(kind: FileKind): MethodHandler {
  return (ctx) =>
    send(ctx, () => {
      checkParseMode(ctx);
      const file = resolveFile(ctx, kind, ctx.params.raw[kind]);
      const out: Record<string, unknown> = mediaFields(file);
      // Stickers and video notes carry no caption.
      if (kind !== "sticker" && kind !== "video_note") {
        Object.assign(out, captionFields(ctx.params.str("caption"), ctx.params.json("caption_entities")));
        if (ctx.params.bool("has_spoiler")) out.has_media_spoiler = true;
        if (ctx.params.bool("show_caption_above_media")) out.show_caption_above_media = true;
      }
      return out;
    });
}

const sendLocation: MethodHandler = (ctx) =>
  send(ctx, () => {
    const latitude = Number(ctx.params.reqStr("latitude"));
    const longitude = Number(ctx.params.reqStr("longitude"));
    return { location: { latitude, longitude } };
  });

const sendContact: MethodHandler = (ctx) =>
  send(ctx, () => {
    const contact: Record<string, unknown> = {
      phone_number: ctx.params.reqStr("phone_number"),
      first_name: ctx.params.reqStr("first_name"),
    };
    const last = ctx.params.str("last_name");
    if (last) contact.last_name = last;
    return { contact };
  });

const sendPoll: MethodHandler = (ctx) =>
  send(ctx, () => {
    const question = ctx.params.reqStr("question");
    const raw = ctx.params.json<unknown[]>("options") ?? [];
    const options = raw.map((o) => (typeof o === "string" ? o : String((o as { text?: unknown }).text ?? "")));
    if (options.length < 2 || options.length > 12) throw badRequest("Bad Request: poll must have at least 2 option");
    const isAnon = ctx.params.raw.is_anonymous === undefined ? true : ctx.params.bool("is_anonymous");
    return {
      poll: makePoll(question, options, {
        isAnonymous: isAnon,
        type: ctx.params.str("type") ?? "regular",
        allowsMultiple: ctx.params.bool("allows_multiple_answers"),
      }),
    };
  });

const sendDice: MethodHandler = (ctx) => send(ctx, () => ({ dice: makeDice(ctx.params.str("emoji") || "🎲") }));

interface InputMedia {
  type: string;
  media: unknown;
  caption?: string;
  caption_entities?: unknown[];
  has_spoiler?: boolean;
}

/** sendMediaGroup: 2–10 items, one shared media_group_id; documents/audio can't mix with photos/videos. */
const sendMediaGroup: MethodHandler = (ctx) => {
  const chat = chatForSend(ctx);
  const reply = replyFor(ctx, chat, threadFor(ctx, chat));
  const media = ctx.params.json<InputMedia[]>("media");
  if (!Array.isArray(media) || media.length < 2 || media.length > 10) throw badRequest(E.mediaGroupSize);
  const kinds = new Set(media.map((m) => m.type));
  for (const k of kinds) if (!ALBUM_KINDS.has(k)) throw badRequest(`Bad Request: wrong media type "${k}" in the media group`);
  const visual = kinds.has("photo") || kinds.has("video");
  if ((visual && (kinds.has("document") || kinds.has("audio"))) || (kinds.has("document") && kinds.has("audio"))) {
    throw badRequest("Bad Request: can't mix documents and audio with other media types in the media group");
  }
  const groupId = newMediaGroupId();
  const extras = sendExtras(ctx);
  const contents = media.map((m) => ({
    media_group_id: groupId,
    ...mediaFields(resolveFile(ctx, m.type as FileKind, m.media)),
    ...captionFields(m.caption, m.caption_entities),
    ...(m.has_spoiler ? { has_media_spoiler: true } : {}),
    ...extras,
  }));
  ctx.world.consumeQuota(ctx.bot, chat, contents.length);
  // Every item of the album replies to the same message, as Telegram does.
  return contents.map((c) => postBotMessage(ctx, chat, c, reply).message);
};

/** sendChatAction: validated like a send, otherwise a no-op. */
const sendChatAction: MethodHandler = (ctx) => {
  chatForSend(ctx);
  ctx.params.reqStr("action");
  return true;
};

/** Sending methods by name. */
export const sendMethods: Record<string, MethodHandler> = {
  sendMessage,
  sendPhoto: mediaSender("photo"),
  sendVideo: mediaSender("video"),
  sendVoice: mediaSender("voice"),
  sendAudio: mediaSender("audio"),
  sendDocument: mediaSender("document"),
  sendSticker: mediaSender("sticker"),
  sendAnimation: mediaSender("animation"),
  sendVideoNote: mediaSender("video_note"),
  sendLocation,
  sendContact,
  sendPoll,
  sendDice,
  sendMediaGroup,
  sendChatAction,
};
