#!/usr/bin/env node
// The npm entry point: registers tsx so Node runs the TypeScript sources as they are (Deno runs
// them natively through `deno task start`), then hands over to the CLI.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
