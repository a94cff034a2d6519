import { createBenchWorld, readyLine, procStatusMb, sleep } from "/work/main/bench/support.ts";
const w = await createBenchWorld("sb-probe-");
const { spawn } = await import("node:child_process"); const isDeno = typeof (globalThis as any).Deno !== "undefined"; const ch = spawn(process.execPath, isDeno ? ["run","-A","bench/_probe_child.ts","run","--config",w.configPath] : ["--import","tsx","bench/_probe_child.ts","run","--config",w.configPath], { cwd: "/work/main", env: { ...process.env, ACME_TOKEN: w.bot.token }, stdio: ["ignore","inherit","pipe"] }); let out = ""; ch.stderr!.on("data", (d) => { out += d; process.stderr.write(String(d).split("\n").filter((l) => l.startsWith("MEM")).map((l) => l + "\n").join("")); }); const c = { pid: ch.pid!, waitForOutput: async (re: RegExp, ms: number) => { while (!re.test(out)) await sleep(20); }, stop: async () => { ch.kill("SIGKILL"); } };
await c.waitForOutput(readyLine, 60000);
for (let i = 0; i < 6; i++) { console.log("idle", i, "rss", procStatusMb(c.pid, "VmRSS").toFixed(1), "hwm", procStatusMb(c.pid, "VmHWM").toFixed(1)); await sleep(500); }
// send 200 users x 1 message
const users = Array.from({length: 200}, (_, i) => w.emulator.createUser({ firstName: "P", lastName: "u"+i }).id);
for (const u of users) w.emulator.userSends(w.bot.token, u, { text: "hi" });
for (let i = 0; i < 10; i++) { console.log("after 200 first msgs", i, "rss", procStatusMb(c.pid, "VmRSS").toFixed(1), "hwm", procStatusMb(c.pid, "VmHWM").toFixed(1)); await sleep(300); }
for (let r = 0; r < 9; r++) for (const u of users) w.emulator.userSends(w.bot.token, u, { text: "more" });
for (let i = 0; i < 15; i++) { console.log("after 1800 more", i, "rss", procStatusMb(c.pid, "VmRSS").toFixed(1), "hwm", procStatusMb(c.pid, "VmHWM").toFixed(1)); await sleep(300); }
await c.stop(); await w.emulator.close(); process.exit(0);
