/** The `private_keywords` test, shared by the gating plugin and anything else that needs it. */
import type { KeywordRule } from "./types.ts";

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
