import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end tests start servers and subprocesses; two cores do not profit from more workers.
    maxWorkers: 2,
  },
});
