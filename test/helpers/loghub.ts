import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The LogHub 2k samples beside the repository (`../shared/datasets/loghub-2k`, see its SOURCE.md). */
export const LOGHUB_DIR = fileURLToPath(new URL("../../../shared/datasets/loghub-2k/", import.meta.url));

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

/** One system's raw sample lines in file order, without their line endings (the files have CRLF) or empty lines. */
export function loghubLines(system: string): string[] {
  return readFileSync(join(LOGHUB_DIR, system, `${system}_2k.log`), "utf8")
    .split(/\r?\n/)
    .filter((line) => line !== "");
}
