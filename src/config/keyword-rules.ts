/**
 * Reading Hotline's `private_keywords` syntax: `"word"` (contains), `["all", "of", "these"]`
 * (contains every one), `"~word"` (does not contain). A list holds one rule per item; a single
 * string is one rule.
 */
import { childPath, type Problems } from "./problems.ts";
import { describe, isUnresolved } from "./read.ts";
import type { KeywordRule } from "./types.ts";

/** A non-empty phrase; numbers count too, since YAML reads `2024` as a number. */
export function readPhrase(value: unknown, path: string, problems: Problems): string | undefined {
  if (isUnresolved(value, path, problems)) return undefined;
  const phrase = typeof value === "number" ? String(value) : value;
  if (typeof phrase === "string" && phrase.trim() !== "") return phrase;
  problems.add(path, `expected a word or phrase, got ${describe(value)}`);
  return undefined;
}

/** One item of the list. */
function readRule(value: unknown, path: string, problems: Problems): KeywordRule | undefined {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      problems.add(path, `expected a list of words that must all appear, got an empty list`);
      return undefined;
    }
    const phrases: string[] = [];
    value.forEach((item, i) => {
      const phrase = readPhrase(item, childPath(path, i), problems);
      if (phrase === undefined) return;
      // "all of these, but not that" has no meaning in Hotline's syntax; say so rather than guess.
      if (phrase.startsWith("~")) {
        problems.add(childPath(path, i), `"~" (not) rules cannot be inside an "all of these" list, got ${describe(phrase)}`);
      } else phrases.push(phrase);
    });
    return phrases.length === value.length ? { kind: "all", phrases } : undefined;
  }
  const phrase = readPhrase(value, path, problems);
  if (phrase === undefined) return undefined;
  if (!phrase.startsWith("~")) return { kind: "any", phrase };
  const negated = phrase.slice(1);
  if (negated.trim() === "") {
    problems.add(path, `expected a word or phrase after "~", got ${describe(phrase)}`);
    return undefined;
  }
  return { kind: "not", phrase: negated };
}

/** The whole parameter: a string (one rule) or a list of rules; nothing means no gating. */
export function readKeywordRules(value: unknown, path: string, problems: Problems): KeywordRule[] | undefined {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) {
    const rule = readRule(value, path, problems);
    return rule === undefined ? undefined : [rule];
  }
  const rules: KeywordRule[] = [];
  value.forEach((item, i) => {
    const rule = readRule(item, childPath(path, i), problems);
    if (rule !== undefined) rules.push(rule);
  });
  return rules.length === value.length ? rules : undefined;
}
