/**
 * The Topics API's OpenAPI file and its routes agree: every documented operation is served (its
 * path, with sample values, matches a route of that method) and every route is documented.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { AdminContext } from "../../src/admin/context.ts";
import { topicsRoutes } from "../../src/admin/topics/routes.ts";
import { writeActions } from "../../src/admin/topics/write.ts";

const spec = parse(readFileSync(new URL("../../docs/topics-api.openapi.yaml", import.meta.url), "utf8")) as {
  openapi: string;
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
};
const routes = topicsRoutes({} as AdminContext);
const sample = (template: string) => template.replace("{bot}", "acme").replace("{user}", "777000123").replace("{thread}", "17");
const served = (method: string, path: string) =>
  routes.some((r) => r.method === method && (typeof r.path === "string" ? r.path === path : r.path.test(path)));

describe("docs/topics-api.openapi.yaml", () => {
  it("is OpenAPI 3 and every operation it documents is served, with its answers listed", () => {
    expect(spec.openapi).toMatch(/^3\./);
    for (const [template, operations] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(served(method.toUpperCase(), sample(template)), `${method} ${template}`).toBe(true);
        expect(Object.keys(operation.responses ?? {}).length, `${method} ${template} responses`).toBeGreaterThan(0);
      }
    }
  });

  it("documents every route", () => {
    const documented = Object.entries(spec.paths).flatMap(([template, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${sample(template)}`));
    const examples = [
      "GET /api/bots/acme/dialogs", "GET /api/bots/acme/users/777000123", "GET /api/bots/acme/topics/17",
      ...writeActions.flatMap((a) => [`POST /api/bots/acme/users/777000123/${a}`, `POST /api/bots/acme/topics/17/${a}`]),
      "POST /webhook/topic_action", "POST /api/topic_action",
    ];
    for (const example of examples) expect(documented, example).toContain(example);
    // Every route is reached by one of the examples.
    for (const route of routes) {
      expect(examples.some((e) => e.startsWith(`${route.method} `) && (typeof route.path === "string" ? e.endsWith(` ${route.path}`) : route.path.test(e.split(" ")[1]))), String(route.path)).toBe(true);
    }
  });
});
