import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The LogHub 2k raw samples of ten systems, in the repository (test/fixtures/loghub-2k: byte-for-byte
 * copies, LogHub's licence and source in its LICENSE and SOURCE.md). Their ground truth is not there: see
 * `shared-datasets.ts`.
 */
export const LOGHUB_DIR = fileURLToPath(new URL("../fixtures/loghub-2k/", import.meta.url));

/** Ten LogHub systems: ssh logins, HDFS blocks, kernels, schedulers, web servers. */
export const LOGHUB_SYSTEMS = [
  "Apache",
  "BGL",
  "HDFS",
  "HPC",
  "Hadoop",
  "Linux",
  "OpenSSH",
  "Spark",
  "Thunderbird",
  "Zookeeper",
] as const;

/** One system's raw sample file (`<system>/<system>_2k.log`: CRLF line endings, no final line break). */
export function loghubFile(system: string): string {
  return join(LOGHUB_DIR, system, `${system}_2k.log`);
}

/** One system's raw sample lines in file order, without their line endings (the files have CRLF) or empty lines. */
export function loghubLines(system: string): string[] {
  return readFileSync(loghubFile(system), "utf8")
    .split(/\r?\n/)
    .filter((line) => line !== "");
}
