/**
 * Allocation sampling of a bench child, for `bench/alloc-summary.ts`: V8's sampling heap
 * profiler with the objects that died young kept in the sample (`--heap-prof` keeps only what
 * is still alive at exit, which says nothing about what the garbage collector spends its time
 * on). Load it into the child and give it a folder:
 *
 *   ALLOC_SAMPLE_DIR=/tmp/alloc BENCH_CHILD_FLAGS="--max-old-space-size=192 --max-semi-space-size=4 --import ./bench/alloc-sample.mjs" npx tsx bench/relay.ts
 *
 * It writes `alloc-PID.heapprofile` every 3 s (the child is stopped by a signal, so there is no
 * last word at exit). The profiler itself allocates (the inspector session and the writes show
 * up under `node:inspector` and `writeFileSync`); the summary leaves those out.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.ALLOC_SAMPLE_DIR ?? "/tmp";
const session = new Session();
session.connect();
session.post("HeapProfiler.enable");
session.post("HeapProfiler.startSampling", { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const dump = () =>
  session.post("HeapProfiler.getSamplingProfile", (error, result) => {
    if (!error) writeFileSync(join(dir, `alloc-${process.pid}.heapprofile`), JSON.stringify(result.profile));
  });
setInterval(dump, 3000).unref();
