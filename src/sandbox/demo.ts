/**
 * `switchboard sandbox --demo` (and the page's "Play demo" button): a short scripted scenario
 * paced so a viewer can follow it — users arrive, topics open, the operator answers and comments,
 * a topic closes and the user's next message reopens it. Each step is narrated in the log.
 */
import type { SandboxSession } from "./web/session.ts";

/** Options of {@link playDemo}. */
export interface DemoOptions {
  /** Pause between steps, ms (default 800). */
  stepMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`the demo timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Plays the scenario once; resolves when it is over. Does nothing while another demo plays. */
export async function playDemo(s: SandboxSession, o: DemoOptions = {}): Promise<void> {
  if (s.demoPlaying) return;
  s.setDemo(true);
  try {
    await script(s, o.stepMs ?? 800);
  } finally {
    s.setDemo(false);
  }
}

async function script(s: SandboxSession, stepMs: number): Promise<void> {
  const token = s.bot.token;
  const log = s.log.child("demo");
  const user = (firstName: string, lastName: string) => {
    const known = [...s.core.world.users.values()].find((u) => u.user.first_name === firstName && !u.user.is_bot);
    return known ? known.user.id : s.core.createUser({ firstName, lastName }).id;
  };
  const step = async (narration: string, act: () => unknown) => {
    log.info(narration);
    act();
    await sleep(stepMs);
  };
  const topicOf = (userId: number) =>
    waitFor(() => {
      const topicId = s.conversations.get(userId)?.topicId;
      return topicId && s.core.topics(s.groupId).some((t) => t.threadId === topicId && !t.deleted) ? topicId : undefined;
    }, "a topic");
  const stateIs = (userId: number, state: string) => waitFor(() => (s.conversations.get(userId)?.state === state ? true : undefined), `state ${state}`);
  const says = (userId: number, text: string) => () => s.core.userSends(token, userId, { text });
  const answers = (threadId: number, text: string) => () => s.core.operatorPosts(s.groupId, s.operator.id, { threadId, text });

  // Keyword gating for the demo only: topics open on "order", "address" or "operator".
  const original = s.configYaml;
  const gated = original.includes("private_keywords") ? original : original.replace(/(\n\s+params:\n)/, `$1      private_keywords: ["order", "address", "operator"]\n`);
  if (gated !== original) {
    log.info("the demo turns on keyword gating: a topic opens only for \"order\", \"address\" or \"operator\"");
    await s.apply(gated);
  }
  try {
    const ann = user("Ann", "Lee");
    const ben = user("Ben", "Carter");
    const chloe = user("Chloe", "Novak");

    await step("Ann writes to the bot; Switchboard opens a topic for her", says(ann, "Hi! My order #1042 hasn't arrived yet 📦"));
    const annTopic = await topicOf(ann);
    await step("Ben arrives too", says(ben, "Hello, how do I change my delivery address?"));
    await step("the operator answers Ann in her topic; the bot delivers it", answers(annTopic, "Hi Ann! Let me check with the carrier."));
    await step("an internal comment (starts with \"/ \") stays in the topic", answers(annTopic, "/ carrier says it is at the depot, ETA tomorrow"));
    const receipt = s.samples.find((x) => x.id === "receipt")!;
    await step("Ann sends a photo", () => s.core.userSends(token, ann, { photo: receipt.fileId, caption: "Here is my receipt" }));
    await step("the operator replies", answers(annTopic, "Thanks! It will be delivered tomorrow before noon."));
    const benTopic = await topicOf(ben);
    await step("the operator answers Ben", answers(benTopic, "Hi Ben! Send me the new address and I'll update the order."));
    await step("Ann is happy", says(ann, "Great, thank you!"));
    await step("the operator closes Ann's topic with /close", answers(annTopic, "/close"));
    await stateIs(ann, "closed");
    await step("Ann writes again: the same topic reopens and she is greeted again", says(ann, "One more thing about my order: can I get a text message when it ships?"));
    await stateIs(ann, "topic-open");
    await step("the operator answers in the reopened topic", answers(annTopic, "Sure, SMS updates are on for your order."));
    await step("Chloe asks about opening hours: no keyword, so no topic (another system could answer her)", says(chloe, "What are your opening hours?"));
    await step("Chloe asks for an operator: the keyword opens her topic, starting with this message", says(chloe, "Can I talk to an operator, please?"));
    await topicOf(chloe);
  } finally {
    if (gated !== original) {
      await s.apply(original);
      log.info("keyword gating is off again");
    }
  }
  log.info("done — now it's your turn: write as a user on the left, answer as the operator on the right");
}
