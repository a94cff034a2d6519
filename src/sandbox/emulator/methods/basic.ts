/** Identity and chat information methods, plus settings calls a bot makes at startup. */
import { E, badRequest } from "../errors.ts";
import { clone } from "../world.ts";
import { chatForRead, type MethodHandler } from "./context.ts";

const getMe: MethodHandler = (ctx) => ({
  ...clone(ctx.bot.user),
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
});

const getChat: MethodHandler = (ctx) => {
  const chat = chatForRead(ctx);
  const base = { ...ctx.world.chatView(chat), accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false } };
  if (chat.kind === "private") return base;
  return {
    ...base,
    permissions: { can_send_messages: true, can_send_other_messages: true, can_manage_topics: false },
    join_to_send_messages: true,
  };
};

const ADMIN_RIGHTS = {
  can_be_edited: false,
  is_anonymous: false,
  can_manage_chat: true,
  can_delete_messages: true,
  can_manage_video_chats: true,
  can_restrict_members: true,
  can_promote_members: false,
  can_change_info: true,
  can_invite_users: true,
  can_post_stories: false,
  can_edit_stories: false,
  can_delete_stories: false,
  can_pin_messages: true,
  can_manage_topics: true,
};

const getChatMember: MethodHandler = (ctx) => {
  const chat = chatForRead(ctx);
  const userId = ctx.params.reqInt("user_id");
  const w = ctx.world;
  const user = w.users.get(userId)?.user ?? w.botsById.get(userId)?.user;
  if (!user) throw badRequest(E.userNotFound);
  if (chat.kind === "private") {
    if (userId !== chat.userId && userId !== ctx.bot.id) throw badRequest(E.userNotFound);
    return { user: clone(user), status: userId === ctx.bot.id && chat.blocked ? "kicked" : "member" };
  }
  if (chat.bots.has(userId)) return { user: clone(user), status: "administrator", ...ADMIN_RIGHTS };
  if (chat.operators.has(userId)) {
    // The first operator created the group; the others are admins who can manage topics.
    const first = chat.operators.values().next().value;
    if (userId === first) return { user: clone(user), status: "creator", is_anonymous: false };
    return { user: clone(user), status: "administrator", ...ADMIN_RIGHTS, can_be_edited: true };
  }
  return { user: clone(user), status: "left" };
};

/** getChatMemberCount: bots and people in the chat (two in a private chat). */
const getChatMemberCount: MethodHandler = (ctx) => {
  const chat = chatForRead(ctx);
  return chat.kind === "private" ? 2 : chat.bots.size + chat.operators.size;
};

/** getFile: a download path under `{url}/file/bot{TOKEN}/`. */
const getFile: MethodHandler = (ctx) => {
  const file = ctx.world.files.get(ctx.params.reqStr("file_id"));
  if (!file) throw badRequest(E.wrongFileId);
  return { file_id: file.fileId, file_unique_id: file.uniqueId, file_size: file.size, file_path: ctx.world.files.pathOf(file) };
};

const ok: MethodHandler = () => true;

/** Info and settings methods by name. */
export const basicMethods: Record<string, MethodHandler> = {
  getMe,
  getChat,
  getChatMember,
  getChatMemberCount,
  getFile,
  // Startup calls bots commonly make; accepted so a runtime can boot against the emulator.
  setMyCommands: ok,
  deleteMyCommands: ok,
  getMyCommands: () => [],
  setMyDescription: ok,
  setMyShortDescription: ok,
  setMyName: ok,
  setChatMenuButton: ok,
  logOut: ok,
  close: ok,
};
