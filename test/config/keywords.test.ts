import { describe, expect, it } from "vitest";
import { type KeywordRule, matchesKeywords } from "../../src/config/mod.ts";
import { bot, file, lines, paramsOf } from "./helpers.ts";

describe("private_keywords syntax", () => {
  it("reads words, all-of lists and ~negations", () => {
    const rules = paramsOf(`      private_keywords: ["call operator", [order, refund], "~spam", 2024]\n`).private_keywords;
    expect(rules).toEqual([
      { kind: "any", phrase: "call operator" },
      { kind: "all", phrases: ["order", "refund"] },
      { kind: "not", phrase: "spam" },
      { kind: "any", phrase: "2024" },
    ]);
  });

  it("reads Hotline's documented form with a negation inside an all-of list", () => {
    const rules = paramsOf(`      private_keywords: ["word1", "word2", ["word3", "word4"], ["word5", "~word6"]]\n`).private_keywords;
    expect(rules).toEqual([
      { kind: "any", phrase: "word1" },
      { kind: "any", phrase: "word2" },
      { kind: "all", phrases: ["word3", "word4"] },
      { kind: "all", phrases: ["word5"], without: ["word6"] },
    ]);
    expect(matchesKeywords(rules, "word5 here")).toBe(true);
    expect(matchesKeywords(rules, "word5 and WORD6")).toBe(false);
    expect(matchesKeywords(rules, "word4 alone")).toBe(false);
    expect(matchesKeywords(rules, "word3 word4")).toBe(true);
  });

  it("takes a single string as one rule", () => {
    expect(paramsOf(`      private_keywords: /help\n`).private_keywords).toEqual([{ kind: "any", phrase: "/help" }]);
    expect(paramsOf(`      private_keywords: "~ad"\n`).private_keywords).toEqual([{ kind: "not", phrase: "ad" }]);
    expect(paramsOf(`      private_keywords:\n`).private_keywords).toEqual([]);
  });

  it("reports bad rules at their position", () => {
    expect(lines(file(bot(`    params:\n      private_keywords: ["", "~", [], [a, "~"], {x: 1}]\n`)))).toEqual([
      `bots[0].params.private_keywords[0]: expected a word or phrase, got ""`,
      `bots[0].params.private_keywords[1]: expected a word or phrase after "~", got "~"`,
      `bots[0].params.private_keywords[2]: expected a list of words that must all appear, got an empty list`,
      `bots[0].params.private_keywords[3][1]: expected a word or phrase after "~", got "~"`,
      `bots[0].params.private_keywords[4]: expected a word or phrase, got a mapping`,
    ]);
  });
});

describe("matchesKeywords", () => {
  const any = (phrase: string): KeywordRule => ({ kind: "any", phrase });
  const all = (...phrases: string[]): KeywordRule => ({ kind: "all", phrases });
  const not = (phrase: string): KeywordRule => ({ kind: "not", phrase });

  it("passes everything without rules", () => {
    expect(matchesKeywords([], "anything")).toBe(true);
    expect(matchesKeywords([], "")).toBe(true);
  });

  it("is a case-insensitive substring test", () => {
    expect(matchesKeywords([any("Operator")], "please CALL OPERATOR now")).toBe(true);
    expect(matchesKeywords([any("operator")], "cooperator")).toBe(true);
    expect(matchesKeywords([any("оператор")], "Позовите ОПЕРАТОРА")).toBe(true);
    expect(matchesKeywords([any("/help")], "/HELP")).toBe(true);
    expect(matchesKeywords([any("operator")], "hello")).toBe(false);
  });

  it("requires every phrase of an all-rule", () => {
    expect(matchesKeywords([all("order", "refund")], "Refund for my ORDER please")).toBe(true);
    expect(matchesKeywords([all("order", "refund")], "where is my order")).toBe(false);
  });

  it("matches messages without the phrase of a not-rule", () => {
    expect(matchesKeywords([not("spam")], "hello")).toBe(true);
    expect(matchesKeywords([not("spam")], "SPAM offer")).toBe(false);
    expect(matchesKeywords([not("spam"), not("ad")], "an AD")).toBe(false);
    expect(matchesKeywords([not("spam"), not("ad")], "hello")).toBe(true);
  });

  it("reads a standalone not-rule as a veto over the other rules", () => {
    const rules = [any("operator"), not("spam")];
    expect(matchesKeywords(rules, "hello")).toBe(false);
    expect(matchesKeywords(rules, "call the operator")).toBe(true);
    expect(matchesKeywords(rules, "operator, buy my spam")).toBe(false);
  });

  it("requires the words and refuses the negated ones of a mixed all-rule", () => {
    const mixed: KeywordRule = { kind: "all", phrases: ["word5"], without: ["word6"] };
    expect(matchesKeywords([mixed], "Word5")).toBe(true);
    expect(matchesKeywords([mixed], "word5 word6")).toBe(false);
    expect(matchesKeywords([mixed], "word6")).toBe(false);
  });

  it("matches when any rule matches", () => {
    const rules = [any("help"), all("order", "late")];
    expect(matchesKeywords(rules, "my order is late")).toBe(true);
    expect(matchesKeywords(rules, "Help!")).toBe(true);
    expect(matchesKeywords(rules, "my order")).toBe(false);
  });

  it("compares composed and decomposed accents equally", () => {
    expect(matchesKeywords([any("café")], "CAFE\u0301 au lait")).toBe(true);
  });
});
