/**
 * The reference for bench/relay.ts's CPU figures: a plain, non-durable relay written the way a
 * small grammY bot would be — long polling with `bot.start()`, one forum topic per user kept in a
 * Map, `copyMessage` both ways, nothing stored. `npx tsx bench/relay.ts --reference` runs it as
 * the child instead of Switchboard, with the same workload and checks, so that "what does
 * durability cost" is measured on the same machine in the same hour.
 *
 * Environment: REF_API_ROOT, REF_TOKEN, REF_GROUP (set by bench/support.ts).
 */
import { Bot } from "grammy";

const apiRoot = process.env.REF_API_ROOT!;
const token = process.env.REF_TOKEN!;
const groupId = Number(process.env.REF_GROUP);

const bot = new Bot(token, { client: { apiRoot } });
const topicOfUser = new Map<number, number>();
const userOfTopic = new Map<number, number>();

bot.on("message", async (ctx) => {
  const message = ctx.msg;
  if (ctx.chat.type === "private") {
    let topic = topicOfUser.get(ctx.chat.id);
    if (topic === undefined) {
      const name = [ctx.from?.first_name, ctx.from?.last_name].filter(Boolean).join(" ");
      topic = (await ctx.api.createForumTopic(groupId, name)).message_thread_id;
      topicOfUser.set(ctx.chat.id, topic);
      userOfTopic.set(topic, ctx.chat.id);
    }
    await ctx.api.copyMessage(groupId, ctx.chat.id, message.message_id, { message_thread_id: topic });
  } else if (ctx.chat.id === groupId && message.message_thread_id !== undefined && !ctx.from?.is_bot) {
    const user = userOfTopic.get(message.message_thread_id);
    if (user !== undefined) await ctx.api.copyMessage(user, groupId, message.message_id);
  }
});

bot.catch((error) => console.error(`[acme] error ${String(error.error)}`));
process.on("SIGTERM", () => void bot.stop().then(() => process.exit(0)));
// The same line bench/support.ts waits for from Switchboard.
await bot.start({ onStart: () => console.log("[acme] grammY reference relay receiving updates") });
