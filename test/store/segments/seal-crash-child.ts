/**
 * Child process of segment-seal.test.ts: opens the SQLite file named by argv[2] and seals, killing itself
 * with SIGKILL at the seal step named by argv[3] (inside the sealing transaction for `deleted` and
 * `inserted`), as a power cut or OOM kill would stop it.
 */
import { openStore } from "../../../src/store/db.js";
import type { SealStep } from "../../../src/store/segments/sealer.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";

const [path, killAt] = process.argv.slice(2) as [string, SealStep];
const store = openStore({ url: path });
const logs = segmentLogStore(store, {
  onSealStep: (step) => {
    if (step === killAt) process.kill(process.pid, "SIGKILL");
  },
});
await logs.seal();
// Reaching here means the step never came: the test fails on the exit code.
process.exit(3);
