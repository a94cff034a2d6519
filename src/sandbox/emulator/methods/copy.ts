/**
 * copyMessage(s) and forwardMessage(s). Copies carry the content only (no origin, no reply);
 * forwards add forward_origin. Multi-message variants keep albums together under a fresh
 * media_group_id and return only message ids.
 */
import { copyContent, hasContent, newMediaGroupId } from "../content.ts";
import { E, badRequest } from "../errors.ts";
import type { ChatRecord, MessageRecord, Msg } from "../world.ts";
import {
  chatForRead,
  chatForSend,
  checkParseMode,
  postBotMessage,
  replyFor,
  sendExtras,
  threadFor,
  type MethodContext,
  type MethodHandler,
} from "./context.ts";

/** The source message, or the "not found"/"can't be copied" error for this operation. */
function source(from: ChatRecord, messageId: number, forward: boolean): MessageRecord {
  const rec = from.messages.get(messageId);
  if (!rec) throw badRequest(forward ? E.forwardNotFound : E.copyNotFound);
  // Service messages (topic created …) and protected content can be neither copied nor forwarded.
  if (!hasContent(rec.message) || rec.message.has_protected_content) {
    throw badRequest(forward ? E.cantBeForwarded : E.cantBeCopied);
  }
  return rec;
}

function forwardOrigin(m: Msg): Record<string, unknown> {
  if (m.forward_origin) return m.forward_origin;
  return { type: "user", sender_user: m.from, date: m.date };
}

/** Ids from a message_ids parameter: 1–100, strictly increasing. */
function messageIds(ctx: MethodContext): number[] {
  const ids = ctx.params.json<unknown[]>("message_ids");
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) throw badRequest("Bad Request: message_ids is empty");
  const nums = ids.map(Number);
  for (let i = 1; i < nums.length; i++) if (!(nums[i] > nums[i - 1])) throw badRequest(E.idsNotIncreasing);
  return nums;
}

const copyMessage: MethodHandler = (ctx) => {
  const from = chatForRead(ctx, "from_chat_id");
  const rec = source(from, ctx.params.reqInt("message_id"), false);
  const to = chatForSend(ctx);
  const reply = replyFor(ctx, to, threadFor(ctx, to));
  const content = copyContent(rec.message);
  if (ctx.params.raw.caption !== undefined && (content.caption !== undefined || isMedia(content))) {
    checkParseMode(ctx);
    const caption = ctx.params.str("caption") ?? "";
    delete content.caption;
    delete content.caption_entities;
    if (caption) {
      content.caption = caption;
      const ents = ctx.params.json<unknown[]>("caption_entities");
      if (ents?.length) content.caption_entities = ents;
    }
  }
  Object.assign(content, sendExtras(ctx));
  ctx.world.consumeQuota(ctx.bot, to, 1);
  const copy = postBotMessage(ctx, to, content, { ...reply, copiedFrom: { chatId: from.id, messageId: rec.message.message_id } });
  return { message_id: copy.message.message_id };
};

function isMedia(c: Record<string, unknown>): boolean {
  return ["photo", "video", "voice", "audio", "document", "animation"].some((k) => c[k] !== undefined);
}

/** copyMessages/forwardMessages: skips missing or uncopyable ids, keeps albums as albums. */
function multi(forward: boolean): MethodHandler {
  return (ctx) => {
    const from = chatForRead(ctx, "from_chat_id");
    const ids = messageIds(ctx);
    const to = chatForSend(ctx);
    const threadId = threadFor(ctx, to);
    const sources: MessageRecord[] = [];
    for (const id of ids) {
      const rec = from.messages.get(id);
      if (rec && hasContent(rec.message) && !rec.message.has_protected_content) sources.push(rec);
    }
    if (sources.length === 0) throw badRequest(forward ? E.forwardNotFound : E.copyNotFound);
    const extras = sendExtras(ctx);
    const removeCaption = !forward && ctx.params.bool("remove_caption");
    ctx.world.consumeQuota(ctx.bot, to, sources.length);
    const groups = new Map<string, string>();
    return sources.map((rec) => {
      const content = copyContent(rec.message);
      if (removeCaption) {
        delete content.caption;
        delete content.caption_entities;
      }
      const mg = rec.message.media_group_id as string | undefined;
      if (mg) {
        if (!groups.has(mg)) groups.set(mg, newMediaGroupId());
        content.media_group_id = groups.get(mg);
      }
      if (forward) Object.assign(content, { forward_origin: forwardOrigin(rec.message) });
      Object.assign(content, extras);
      const copy = postBotMessage(ctx, to, content, {
        threadId,
        ...(forward ? {} : { copiedFrom: { chatId: from.id, messageId: rec.message.message_id } }),
      });
      return { message_id: copy.message.message_id };
    });
  };
}

const forwardMessage: MethodHandler = (ctx) => {
  const from = chatForRead(ctx, "from_chat_id");
  const rec = source(from, ctx.params.reqInt("message_id"), true);
  const to = chatForSend(ctx);
  const threadId = threadFor(ctx, to);
  const content: Record<string, unknown> = { forward_origin: forwardOrigin(rec.message), ...copyContent(rec.message) };
  if (ctx.params.bool("protect_content")) content.has_protected_content = true;
  ctx.world.consumeQuota(ctx.bot, to, 1);
  return postBotMessage(ctx, to, content, { threadId }).message;
};

/** Copy and forward methods by name. */
export const copyMethods: Record<string, MethodHandler> = {
  copyMessage,
  copyMessages: multi(false),
  forwardMessage,
  forwardMessages: multi(true),
};

