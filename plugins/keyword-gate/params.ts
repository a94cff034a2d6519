/**
 * The `private_keywords` parameter in Hotline's syntax: `"word"` (contains), `["all", "of",
 * "these"]` (contains every one), `["word5", "~word6"]` (contains word5 but not word6), `"~word"`
 * (a veto: never matches a message containing it). A list holds one rule per item; a single
 * string is one rule; nothing means no gating.
 */
import * as Schema from "effect/Schema";
import { anyOf, asPhrase, describeValue, lenient, param, refuse, type Refusal } from "../../src/mod.ts";
import { KeywordRule } from "./rules.ts";

const WORD = anyOf({ type: "string", minLength: 1 }, { type: "number" });

/**
 * Hotline's keyword-rule syntax as a parameter schema, each bad rule refused at its own position
 * (`private_keywords[3][1]`). Exported so other keyword parameters (`groups_keywords`,
 * `channels_keywords`) read the same syntax; test messages with `matchesKeywords`.
 */
export const KeywordRules = lenient(Schema.Array(KeywordRule), {
  input: anyOf(WORD, { type: "array", items: anyOf(WORD, { type: "array", minItems: 1, items: WORD }) }),
  decode: (written) => {
    const refusals: Refusal[] = [];
    const refused = (at: number[], actual: unknown, message: string) => void refusals.push({ at, actual, message });
    const rule = (value: unknown, at: number[]): KeywordRule | undefined => {
      if (Array.isArray(value)) {
        if (value.length === 0) return refused(at, value, `expected a list of words that must all appear, got an empty list`);
        const phrases: string[] = [];
        const without: string[] = [];
        let good = 0;
        value.forEach((item, i) => {
          const phrase = asPhrase(item);
          if (phrase === undefined) return refused([...at, i], item, `expected a word or phrase, got ${describeValue(item)}`);
          // Hotline's ["word5", "~word6"]: the list matches when word5 is there and word6 is not.
          const negated = phrase.startsWith("~") ? phrase.slice(1) : undefined;
          if (negated?.trim() === "") return refused([...at, i], item, `expected a word or phrase after "~", got ${describeValue(phrase)}`);
          if (negated === undefined) phrases.push(phrase);
          else without.push(negated);
          good++;
        });
        if (good !== value.length) return undefined;
        return without.length > 0 ? { kind: "all", phrases, without } : { kind: "all", phrases };
      }
      const phrase = asPhrase(value);
      if (phrase === undefined) return refused(at, value, `expected a word or phrase, got ${describeValue(value)}`);
      if (!phrase.startsWith("~")) return { kind: "any", phrase };
      const negated = phrase.slice(1);
      if (negated.trim() === "") return refused(at, value, `expected a word or phrase after "~", got ${describeValue(phrase)}`);
      return { kind: "not", phrase: negated };
    };
    const rules = Array.isArray(written) ? written.map((item, i) => rule(item, [i])) : [rule(written, [])];
    return refusals.length > 0 ? refuse(...refusals) : (rules as KeywordRule[]);
  },
  encode: (rules) =>
    rules.map((r) =>
      r.kind === "all" ? [...r.phrases, ...(r.without ?? []).map((p) => `~${p}`)] : r.kind === "not" ? `~${r.phrase}` : r.phrase,
    ),
});

/** The parameters this plugin owns. */
export const params = {
  private_keywords: param(KeywordRules, {
    default: [],
    description:
      "A topic opens (or a closed one reopens) only on a user message matching a rule: \"word\" (contains it), [all, of, these] (contains every one), [\"word\", \"~other\"] (contains word but not other), \"~word\" (a veto: a message containing it never matches; with only vetoes, every other message matches); case-insensitive. Earlier messages are not relayed later. Empty = no gating.",
    examples: [["operator", ["order", "refund"], "~spam"]],
  }),
  groups_keywords: param(KeywordRules, {
    default: [],
    description:
      "Like private_keywords, for monitored groups (monitor_groups): a group's topic opens (or a closed one reopens) only on a message matching a rule. Empty = no gating.",
    examples: [["help", ["order", "broken"]]],
  }),
  channels_keywords: param(KeywordRules, {
    default: [],
    description: "Like private_keywords, for monitored channels (monitor_channels): a channel's topic opens (or reopens) only on a matching post. Empty = no gating.",
    examples: [["release"]],
  }),
};
