/**
 * A scripted conversation for the analytics page's tests: Ann writes and an operator answers
 * her; Ben writes twice and waits (🟪); Chloe writes, is answered and her dialog is closed with
 * /close. What the page must then show is returned with the run.
 */
import { botMessagesTo, firstContact, topicMessages, topicNamed, waitFor, type World } from "./world.ts";

/** What the run did, as the page's figures. */
export interface AnalyticsRun {
  dialogsNew: number;
  dialogsClosed: number;
  messagesIn: number;
  messagesOut: number;
  unanswered: number;
  /** Ben's topic: the one waiting. */
  waitingThreadId: number;
  operatorId: number;
}

/** Plays the run against the emulator; resolves once every step is delivered. */
export async function playAnalyticsRun(w: World): Promise<AnalyticsRun> {
  const answer = async (userId: number, threadId: number, text: string) => {
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId, text });
    await waitFor(() => botMessagesTo(w, userId).some((m) => m.text === text), `"${text}" delivered`);
  };
  const { user: ann, topic: annTopic } = await firstContact(w, "Ann", "Where is my order?");
  await answer(ann.id, annTopic.threadId, "It ships tomorrow.");

  const { user: ben, topic: benTopic } = await firstContact(w, "Ben", "Hello?");
  w.emulator.userSends(w.bot.token, ben.id, { text: "Anyone there?" });
  await waitFor(() => topicMessages(w, benTopic.threadId).some((m) => m.text === "Anyone there?"), "Ben's second message");

  const { user: chloe, topic: chloeTopic } = await firstContact(w, "Chloe", "Change my address, please");
  await answer(chloe.id, chloeTopic.threadId, "Done!");
  w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: chloeTopic.threadId, text: "/close" });
  await waitFor(() => topicNamed(w, "Chloe")?.closed, "Chloe's dialog closed");

  return { dialogsNew: 3, dialogsClosed: 1, messagesIn: 4, messagesOut: 2, unanswered: 1, waitingThreadId: benTopic.threadId, operatorId: w.operator.id };
}
