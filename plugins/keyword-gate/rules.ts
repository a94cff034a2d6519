/** `private_keywords` rules and the test a message must pass. */
import * as Schema from "effect/Schema";

/**
 * One rule (case-insensitive substring tests): `any` matches a message containing the phrase;
 * `all` one containing every phrase of `phrases` and none of `without` (Hotline's
 * `["word5", "~word6"]`); `not` is a veto: a message containing the phrase never matches.
 */
export const KeywordRule = Schema.Union(
  Schema.Struct({ kind: Schema.Literal("any"), phrase: Schema.String }),
  Schema.Struct({
    kind: Schema.Literal("all"),
    phrases: Schema.Array(Schema.String),
    without: Schema.optional(Schema.Array(Schema.String)),
  }),
  Schema.Struct({ kind: Schema.Literal("not"), phrase: Schema.String }),
);

/** One `private_keywords` rule (see {@link KeywordRule}). */
export type KeywordRule = typeof KeywordRule.Type;

/** Case folding for substring tests; NFC first so composed and decomposed accents compare equal. */
function fold(text: string): string {
  return text.normalize("NFC").toLowerCase();
}

/**
 * True when `text` passes the rules. No rules means no gating (always true). A standalone
 * `not` rule is a veto: a message containing its phrase never matches, whatever else it
 * contains. Otherwise any one `any` or `all` rule must match; when the rules are only vetoes,
 * every message that no veto catches matches. (Reading `"~spam"` as its own alternative, as a
 * plain "or", would let almost every message through and make the other rules pointless.)
 * All tests are case-insensitive substring tests, as in Hotline.
 */
export function matchesKeywords(rules: readonly KeywordRule[], text: string): boolean {
  if (rules.length === 0) return true;
  const haystack = fold(text);
  const has = (phrase: string) => haystack.includes(fold(phrase));
  let positives = 0;
  let matched = false;
  for (const rule of rules) {
    switch (rule.kind) {
      case "not":
        if (has(rule.phrase)) return false;
        break;
      case "any":
        positives++;
        matched ||= has(rule.phrase);
        break;
      case "all":
        positives++;
        matched ||= rule.phrases.every(has) && !(rule.without ?? []).some(has);
        break;
    }
  }
  return positives === 0 || matched;
}
