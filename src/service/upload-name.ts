import { basename } from "node:path";
import { withoutStorageSuffix } from "../core/log-record.js";

/**
 * The stream (`service.name`) of an uploaded or analysed file's records that do not name their own: the
 * file's name without the suffixes that say how it is stored (`Apache_2k.log` → `Apache_2k`,
 * `syslog.2.gz` → `syslog`), so Apache, HDFS and Zookeeper files each get their own templates and
 * baselines, under the name of what wrote them, and a rotated file joins the stream of the live one. One
 * helper for every door (`POST /analyze/file`, MCP `analyze_log_file`, `logwarden analyze FILE`), so a file
 * gets the same stream whichever way it comes in. A browser may send a Windows path; only its last part
 * is the name. A suffix is never the whole name: `.log` stays `.log`, `1.log` is `1`.
 */
export function streamOfUpload(fileName: string | undefined, fallback: string): string {
  const name = fileName ? withoutStorageSuffix(basename(fileName.replaceAll("\\", "/")).trim()) : "";
  return name === "" ? fallback : name;
}
