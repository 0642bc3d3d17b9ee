import { type Dirent, promises as fs } from "node:fs";
import { join, resolve, sep } from "node:path";

/**
 * A small glob: `*` and `?` match within one path segment, `**` matches any number of segments (zero
 * included). Written here because `fs.glob` is experimental on Node 20. Symbolic links to files are
 * listed; links to directories are not followed, so a link loop cannot trap the walk.
 */

const GLOB_CHARS = /[*?]/;

export function hasGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, "\\$&");
}

/** The regular expression a (slash-separated, absolute) pattern compiles to. */
export function globToRegExp(pattern: string): RegExp {
  let out = "";
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      const atStart = i === 0 || pattern[i - 1] === "/";
      const slashAfter = pattern[i + 2] === "/";
      if (atStart && slashAfter) {
        out += "(?:[^/]*/)*"; // `**/`: zero or more whole segments
        i += 3;
      } else {
        out += ".*";
        i += 2;
      }
    } else if (c === "*") {
      out += "[^/]*";
      i++;
    } else if (c === "?") {
      out += "[^/]";
      i++;
    } else {
      out += escapeRegExp(c);
      i++;
    }
  }
  return new RegExp(`^${out}$`);
}

/** The directory a walk starts from: the pattern's segments before the first one with a glob character. */
export function globBase(pattern: string): string {
  const parts = pattern.split("/");
  const first = parts.findIndex((p) => hasGlob(p));
  if (first === -1) return pattern;
  const base = parts.slice(0, first).join("/");
  return base === "" ? "/" : base;
}

function toSlashes(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}

async function walk(dir: string, depth: number, maxDepth: number, out: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return; // missing or unreadable directory: nothing there to tail (yet)
  }
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth + 1 < maxDepth) await walk(full, depth + 1, maxDepth, out);
    } else if (e.isFile() || e.isSymbolicLink()) {
      out.push(full);
    }
  }
}

/**
 * Every existing path matching any of the patterns (relative ones are resolved against `cwd`), sorted and
 * without duplicates. A pattern without glob characters is returned as is, existing or not, so a file that
 * appears later is picked up by the next expansion.
 */
export async function expandGlobs(patterns: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const found = new Set<string>();
  for (const raw of patterns) {
    const pattern = toSlashes(resolve(cwd, raw));
    if (!hasGlob(pattern)) {
      found.add(pattern);
      continue;
    }
    const base = globBase(pattern);
    const rest = pattern.slice(base.length).split("/").filter(Boolean);
    const maxDepth =
      rest.includes("**") || rest.some((p) => p.includes("**")) ? Number.POSITIVE_INFINITY : rest.length;
    const regex = globToRegExp(pattern);
    const files: string[] = [];
    await walk(base, 0, maxDepth, files);
    for (const f of files) if (regex.test(toSlashes(f))) found.add(f);
  }
  return [...found].sort();
}
