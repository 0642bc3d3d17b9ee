import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";

/**
 * Writes one anomaly file (contract §4.9.4) at `<storagePath>/anomalies/YYYY/MM/DD/HHMMSS_<key>.json`
 * (UTC) and returns its path relative to `storagePath` (`anomalies/YYYY/MM/DD/HHMMSS_<key>.json`): the
 * answer's `file_path` (§4.4) says which file without telling the caller where the server keeps its data
 * (the contract asks for the file's path, not an absolute one). Characters that cannot be in a file name
 * are replaced by `_`.
 */
export async function writeAnomalyFile(
  storagePath: string,
  storageKey: string,
  content: unknown,
  nowMs: number,
): Promise<string> {
  const iso = new Date(nowMs).toISOString();
  const dir = join(storagePath, "anomalies", iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10));
  await mkdir(dir, { recursive: true });
  const safeKey = storageKey.replace(/[^\w.-]/g, "_").slice(0, 200);
  const path = join(dir, `${iso.slice(11, 19).replaceAll(":", "")}_${safeKey}.json`);
  await writeFile(path, JSON.stringify(content, null, 2));
  return relative(storagePath, path);
}
