import { createBenchWorld, spawnSwitchboard, readyLine, procStatusMb, sleep } from "/work/main/bench/support.ts";
const w = await createBenchWorld("sb-probe-");
const c = spawnSwitchboard(w.configPath, w.bot.token);
await c.waitForOutput(readyLine, 60000);
for (let i = 0; i < 6; i++) { console.log("idle", i, "rss", procStatusMb(c.pid, "VmRSS").toFixed(1), "hwm", procStatusMb(c.pid, "VmHWM").toFixed(1)); await sleep(500); }
// send 200 users x 1 message
const users = Array.from({length: 200}, (_, i) => w.emulator.createUser({ firstName: "P", lastName: "u"+i }).id);
for (const u of users) w.emulator.userSends(w.bot.token, u, { text: "hi" });
for (let i = 0; i < 10; i++) { console.log("after 200 first msgs", i, "rss", procStatusMb(c.pid, "VmRSS").toFixed(1), "hwm", procStatusMb(c.pid, "VmHWM").toFixed(1)); await sleep(300); }
for (let r = 0; r < 9; r++) for (const u of users) w.emulator.userSends(w.bot.token, u, { text: "more" });
for (let i = 0; i < 15; i++) { console.log("after 1800 more", i, "rss", procStatusMb(c.pid, "VmRSS").toFixed(1), "hwm", procStatusMb(c.pid, "VmHWM").toFixed(1)); await sleep(300); }
await c.stop(); await w.emulator.close(); process.exit(0);
