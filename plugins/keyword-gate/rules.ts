/** `private_keywords` rules and the test a message must pass. */
import * as Schema from "effect/Schema";

/**
 * One rule (case-insensitive substring tests): `any` matches a message containing the phrase,
 * `all` one containing every phrase, `not` one *not* containing the phrase.
 */
export const KeywordRule = Schema.Union(
  Schema.Struct({ kind: Schema.Literal("any"), phrase: Schema.String }),
  Schema.Struct({ kind: Schema.Literal("all"), phrases: Schema.Array(Schema.String) }),
  Schema.Struct({ kind: Schema.Literal("not"), phrase: Schema.String }),
);

/** One `private_keywords` rule (see {@link KeywordRule}). */
export type KeywordRule = typeof KeywordRule.Type;

/** Case folding for substring tests; NFC first so composed and decomposed accents compare equal. */
function fold(text: string): string {
  return text.normalize("NFC").toLowerCase();
}

/**
 * True when `text` passes the rules: no rules means no gating (always true); otherwise any one
 * rule must match. `any`: contains the phrase; `all`: contains every phrase; `not`: does not
 * contain the phrase. All tests are case-insensitive substring tests, as in Hotline.
 */
export function matchesKeywords(rules: readonly KeywordRule[], text: string): boolean {
  if (rules.length === 0) return true;
  const haystack = fold(text);
  return rules.some((rule) => {
    switch (rule.kind) {
      case "any":
        return haystack.includes(fold(rule.phrase));
      case "all":
        return rule.phrases.every((phrase) => haystack.includes(fold(phrase)));
      case "not":
        return !haystack.includes(fold(rule.phrase));
    }
  });
}
