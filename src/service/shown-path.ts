import { basename, isAbsolute, relative, resolve, sep } from "node:path";

/**
 * A server directory as an answer names it to a caller who is not an admin: relative to the working
 * directory when it lies inside it (the default `MODEL_DIR`, `anomaly_outputs`, stays `anomaly_outputs`),
 * else only its last segment (the image's `/data/anomaly_outputs` is `anomaly_outputs`). An answer never
 * tells such a caller where the server is installed or whose home directory it runs in; an admin is
 * given the absolute path.
 */
export function shownPath(path: string, cwd: string = process.cwd()): string {
  const absolute = resolve(cwd, path);
  const inside = relative(cwd, absolute);
  if (inside === "") return ".";
  if (inside !== ".." && !inside.startsWith(`..${sep}`) && !isAbsolute(inside)) return inside;
  return basename(absolute) || ".";
}

/** `text` (an error message) with each mention of `path`, made absolute, replaced by `shownPath(path)`. */
export function withShownPath(text: string, path: string, cwd: string = process.cwd()): string {
  const absolute = resolve(cwd, path);
  return absolute === sep ? text : text.replaceAll(absolute, shownPath(path, cwd));
}
