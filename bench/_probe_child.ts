const t = setInterval(() => {
  const m = process.memoryUsage();
  process.stderr.write(`MEM rss=${(m.rss/1048576).toFixed(1)} heapTotal=${(m.heapTotal/1048576).toFixed(1)} heapUsed=${(m.heapUsed/1048576).toFixed(1)} external=${(m.external/1048576).toFixed(1)} ab=${(m.arrayBuffers/1048576).toFixed(1)}\n`);
}, 500);
t.unref();
await import("../src/cli.ts");
