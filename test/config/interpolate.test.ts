import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/mod.ts";
import { bot, file, lines, paramsOf, TOKEN } from "./helpers.ts";

const withToken = (token: string) => `bots:\n  - id: a\n    token: ${token}\n    group: -1001234567890\n`;

describe("${ENV} interpolation", () => {
  it("replaces a whole value", () => {
    expect(parseConfig(withToken("${T}"), { T: TOKEN }).bots[0].token).toBe(TOKEN);
  });

  it("replaces references inside longer strings, several per string", () => {
    const p = paramsOf(`      welcome: "Hi {title}, this is \${COMPANY} (\${CITY})"\n`, { COMPANY: "Acme", CITY: "Oslo" });
    expect(p.welcome).toBe("Hi {title}, this is Acme (Oslo)");
  });

  it("keeps YAML specials in secrets literal, because values are interpolated after parsing", () => {
    const secret = `a: b # "c' [d] {e}\n- f`;
    expect(paramsOf(`      welcome: \${W}\n`, { W: secret }).welcome).toBe(secret);
  });

  it("uses ${NAME:-default} when unset or empty", () => {
    expect(parseConfig(`storage: \${DB:-sqlite:/tmp/x.db}\n` + file(bot()), {}).storage).toBe("sqlite:/tmp/x.db");
    expect(parseConfig(`storage: \${DB:-sqlite:/tmp/x.db}\n` + file(bot()), { DB: "" }).storage).toBe("sqlite:/tmp/x.db");
    expect(parseConfig(`storage: \${DB:-sqlite:/tmp/x.db}\n` + file(bot()), { DB: "postgres://h/d" }).storage).toBe("postgres://h/d");
    expect(paramsOf(`      welcome: "\${W:-}x"\n`).welcome).toBe("x");
  });

  it("treats $${ as a literal ${", () => {
    expect(paramsOf(`      welcome: "price: $\${AMOUNT}"\n`).welcome).toBe("price: ${AMOUNT}");
  });

  it("leaves other dollar signs alone", () => {
    expect(paramsOf(`      welcome: "costs $5, or $$10 {title}"\n`).welcome).toBe("costs $5, or $$10 {title}");
  });

  it("works unquoted inside flow mappings and lists", () => {
    const config = parseConfig(
      file(bot(`    parallel: { mode: \${MODE}, api_id: \${ID}, api_hash: \${HASH} }\n    params: { private_keywords: [\${KW}, [\${A}, b]] }\n`)),
      { MODE: "mtproto", ID: "77", HASH: "f".repeat(32), KW: "help", A: "a" },
    );
    expect(config.bots[0].parallel).toEqual({ mode: "mtproto", apiId: 77, apiHash: "f".repeat(32) });
    expect(config.bots[0].params.private_keywords).toEqual([
      { kind: "any", phrase: "help" },
      { kind: "all", phrases: ["a", "b"] },
    ]);
  });

  it("feeds numbers and booleans as strings", () => {
    const config = parseConfig(
      `bots:\n  - id: a\n    token: "${TOKEN}"\n    group: \${GROUP}\n    params: { autoclose: \${H}, intercept: \${I}, white_list: [\${U}] }\n`,
      { GROUP: "-1001234567890", H: "0.25", I: "false", U: "42" },
    );
    expect(config.bots[0].group).toBe(-1001234567890);
    expect(config.bots[0].params).toMatchObject({ autoclose: 0.25, intercept: false, white_list: [42] });
  });

  it("reports a missing variable at its key, once, without a second complaint about the value", () => {
    expect(lines(withToken("${ACME_BOT_TOKEN}"))).toEqual(["bots[0].token: environment variable ACME_BOT_TOKEN is not set"]);
    expect(lines(withToken(`"\${A}:\${B}"`))).toEqual(["bots[0].token: environment variables A, B are not set"]);
  });

  it("reports missing variables at the canonical path of case-insensitive params", () => {
    expect(lines(file(bot(`    params: { WELCOME: \${W} }\n`)))).toEqual(["bots[0].params.welcome: environment variable W is not set"]);
  });

  it("reports missing variables in places no validator reads (plugin options, mapping keys)", () => {
    expect(lines(file(bot(`    plugins: [{ name: crm, options: { key: \${CRM_KEY} } }]\n`)))).toEqual([
      "bots[0].plugins[0].options.key: environment variable CRM_KEY is not set",
    ]);
    expect(lines(file(bot(`    params:\n      webhooks:\n        "https://h.example/\${HOOK}": [dialog_created]\n`)))).toEqual([
      `bots[0].params.webhooks["https://h.example/\${HOOK}"]: environment variable HOOK is not set`,
    ]);
    const p = paramsOf(`      webhooks:\n        "https://h.example/\${HOOK}": [dialog_created]\n`, { HOOK: "t0k" });
    expect(p.webhooks).toEqual({ "https://h.example/t0k": ["dialog_created"] });
  });

  it("does not report variables under unknown keys twice", () => {
    expect(lines(file(bot(`    tokne: \${X}\n`)))).toEqual([`bots[0].tokne: unknown key (did you mean "token"?)`]);
  });

  it("reports malformed references", () => {
    expect(lines(withToken(`"\${1X}"`))).toEqual([`bots[0].token: invalid reference "\${1X}": expected \${NAME} or \${NAME:-default}`]);
    expect(lines(withToken(`"\${X"`))).toEqual([`bots[0].token: unclosed "\${" (write "$\${" for a literal "\${")`]);
    expect(lines(withToken(`"\${X:-\${Y}}"`))).toEqual([`bots[0].token: nested references like "\${X:-\${Y}" are not supported`]);
  });

  it("counts an empty variable as set", () => {
    expect(lines(withToken("${T}"), { T: "" })).toEqual([`bots[0].token: expected a bot token like 123456:ABC-DEF..., got a 0-character value`]);
  });
});
