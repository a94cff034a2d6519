/**
 * Plugin options declared with `effect/Schema` are checked with the configuration's own
 * messages: one line per problem at its path, "expected …, got …", "did you mean", Schema's
 * `message` annotations honoured, no union noise.
 */
import { Schema } from "effect";
import { describe, expect, it } from "vitest";
import { definePlugin, Flag, param } from "../../src/mod.ts";

const plugin = definePlugin({
  name: "demo",
  options: Schema.Struct({
    count: Schema.Number.pipe(Schema.positive()),
    mode: Schema.Literal("fast", "slow"),
    url: Schema.String,
    tags: Schema.optional(Schema.Array(Schema.String)),
    when: Schema.optional(Schema.Union(Schema.Struct({ at: Schema.Number }), Schema.String)),
    name: Schema.optional(Schema.String.annotations({ message: () => "expected the shop's name" })),
    loud: param(Flag, { default: false, description: "Shout." }),
  }),
  create: () => ({}),
});

const problems = (raw: Record<string, unknown>) => {
  const result = plugin.parseOptions(raw);
  return result.ok ? [] : result.problems.map((p) => `${p.option}: ${p.message}`);
};

describe("options declared with a schema", () => {
  it("decode with defaults and Hotline's spellings", () => {
    expect(plugin.parseOptions({ count: 2, mode: "slow", url: "u", loud: "yes" })).toEqual({
      ok: true,
      options: { count: 2, mode: "slow", url: "u", loud: true },
    });
    expect(plugin.parseOptions({ count: 1, mode: "fast", url: "u" })).toMatchObject({ ok: true, options: { loud: false } });
  });

  it("report every problem at its path, in the house style", () => {
    expect(problems({ count: -1, mode: "medium", tags: ["a", 3], when: { at: "noon" }, name: 4, loud: "maybe", cuont: 1 })).toEqual([
      "count: expected a positive number, got -1",
      `mode: expected "fast" or "slow", got "medium"`,
      "url: required",
      "tags[1]: expected a string, got 3",
      `when.at: expected a number, got "noon"`,
      "name: expected the shop's name",
      `loud: expected true or false, got "maybe"`,
      `cuont: unknown option (did you mean "count"?)`,
    ]);
    expect(problems({ count: 1, mode: "fast", url: "u", when: 7, zzz: 1 })).toEqual([
      "when: expected a mapping or a string, got 7",
      "zzz: unknown option (expected one of: count, mode, url, tags, when, name, loud)",
    ]);
  });

  it("are documented on the factory for switchboard schema", () => {
    expect(plugin.options).toBeDefined();
  });

  it("keep parseOptions working, and a plugin without options takes none", () => {
    const legacy = definePlugin<{ n: number }>({ name: "legacy", parseOptions: (raw) => ({ ok: true, options: { n: Number(raw.n) } }), create: () => ({}) });
    expect(legacy.parseOptions({ n: "3" })).toEqual({ ok: true, options: { n: 3 } });
    const none = definePlugin({ name: "none", create: () => ({}) });
    expect(none.parseOptions({ x: 1 })).toEqual({ ok: false, problems: [{ option: "x", message: "unknown option (none takes none)" }] });
  });
});
