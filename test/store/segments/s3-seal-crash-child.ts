/**
 * Child process of segment-s3-store.test.ts: opens the store at argv[2] (a SQLite path or a PostgreSQL URL)
 * with segments in the S3 bucket of argv[4..6] (endpoint, bucket, prefix), and seals, killing itself with
 * SIGKILL at the seal step named by argv[3]: `placed` is after the objects were put and before their rows
 * (on PostgreSQL inside the sealing transaction, which dies with it), as a power cut or OOM kill would.
 */
import { openStore } from "../../../src/store/db.js";
import type { SealStep } from "../../../src/store/segments/sealer.js";
import { s3SegmentBytes } from "../../../src/store/segments/segment-bytes-s3.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";

const [url, killAt, endpoint, bucket, prefix] = process.argv.slice(2) as [
  string,
  SealStep,
  string,
  string,
  string,
];
const store = openStore({ url });
const logs = segmentLogStore(store, {
  segmentLines: 64,
  segmentBytes: s3SegmentBytes({
    endpoint,
    bucket,
    prefix,
    region: "us-east-1",
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
  }),
  onSealStep: (step) => {
    if (step === killAt) process.kill(process.pid, "SIGKILL");
  },
});
await logs.seal();
// Reaching here means the step never came: the test fails on the exit code.
process.exit(3);
