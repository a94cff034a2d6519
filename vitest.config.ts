import { defineConfig } from "vitest/config";

const runtime = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? "deno" : "node";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end tests start servers and subprocesses; two cores do not profit from more workers.
    maxWorkers: 2,
    // In CI, also write a JSON summary per runtime so .ci/run can print one closing count.
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: process.env.CI ? { json: `.tmp/results-${runtime}.json` } : undefined,
  },
});
