/** The method table: every Bot API method the emulator speaks, looked up case-insensitively like Telegram. */
import { basicMethods } from "./basic.ts";
import type { MethodHandler } from "./context.ts";
import { copyMethods } from "./copy.ts";
import { editMethods } from "./edit.ts";
import { pollingMethods } from "./polling.ts";
import { sendMethods } from "./send.ts";
import { topicMethods } from "./topics.ts";

export type { MethodContext, MethodHandler } from "./context.ts";

const all: Record<string, MethodHandler> = {
  ...basicMethods,
  ...pollingMethods,
  ...sendMethods,
  ...copyMethods,
  ...editMethods,
  ...topicMethods,
};

const byLower = new Map<string, { name: string; handler: MethodHandler }>(
  Object.entries(all).map(([name, handler]) => [name.toLowerCase(), { name, handler }]),
);

/** The handler and canonical name of a method, if the emulator knows it. */
export function findMethod(method: string): { name: string; handler: MethodHandler } | undefined {
  return byLower.get(method.toLowerCase());
}

/** Canonical names of every supported method. */
export const METHOD_NAMES: readonly string[] = Object.keys(all);
