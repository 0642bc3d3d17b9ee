import { constants } from "node:fs";
import { type FileHandle, mkdir, open, readlink, realpath } from "node:fs/promises";
import { isAbsolute, resolve, sep } from "node:path";
import { DEFAULT_MCP_ALLOWED_DIRS } from "../config/schema.js";
import { UserError } from "../core/errors.js";

export interface FileAccessPolicy {
  /** MCP_ALLOWED_DIRS, as configured (relative ones are taken from the working directory). */
  allowedDirs: readonly string[];
  /** MCP_MAX_FILE_BYTES. */
  maxFileBytes: number;
}

export interface OpenedLogFile {
  /** The real path that was opened (symlinks resolved). */
  path: string;
  bytes: number;
  /** The file's bytes, cut off with an error if it grows past the limit while being read. */
  chunks: AsyncIterable<Uint8Array>;
  /**
   * Closes the file; call it when done, read or not (reading to the end closes it too; closing twice is
   * fine). A handle left to the garbage collector is an uncaught error on Node 26.
   */
  close(): Promise<void>;
}

/**
 * What `analyze_log_file` may read, said for an assistant: the folders (absolute to a caller with every
 * scope, the local operator over stdio; as configured to a token, which is not told the server's paths)
 * and the size limit. Settings' names mean nothing to an assistant, which cannot change them.
 */
export function readableFiles(ctx: {
  rt: { config: { mcp: FileAccessPolicy } };
  caller: { scopes: readonly string[] };
}): string {
  const { allowedDirs, maxFileBytes } = ctx.rt.config.mcp;
  const operator = ctx.caller.scopes.includes("admin");
  const dirs = allowedDirs.map((d) => (operator ? resolve(d) : d));
  const where =
    dirs.length === 1
      ? `the folder ${dirs[0]}`
      : `these folders: ${dirs.join(", ")} (a relative path is taken from the first)`;
  const mb = Math.max(1, Math.round(maxFileBytes / (1024 * 1024)));
  return `It reads only files inside ${where}, up to ${mb} MB; ask the user to put the file there.`;
}

/**
 * Makes `analyze_log_file` work out of the box: when the folders are the default and none exists, the
 * first is created (a missing folder allows nothing). Folders someone configured are left as they are.
 * Returns the folder created, or null; a folder that cannot be created (a read-only working directory)
 * is reported, not fatal: the tool then says it is disabled.
 */
export async function prepareReadableFolder(
  policy: FileAccessPolicy,
  onError: (error: Error, dir: string) => void,
): Promise<string | null> {
  const dirs = policy.allowedDirs;
  if (
    dirs.length !== DEFAULT_MCP_ALLOWED_DIRS.length ||
    dirs.some((d, i) => d !== DEFAULT_MCP_ALLOWED_DIRS[i])
  )
    return null;
  if ((await allowedDirsOf(dirs)).length > 0) return null;
  const dir = resolve(dirs[0]!);
  try {
    await mkdir(dir, { recursive: true });
    return dir;
  } catch (error) {
    onError(error as Error, dir);
    return null;
  }
}

/** `..` anywhere in the path is refused outright, before any resolution: no client needs it. */
function hasParentSegment(path: string): boolean {
  return path.split(/[\\/]+/).includes("..");
}

interface AllowedDir {
  /** As configured, made absolute. */
  given: string;
  /** With every symlink resolved. */
  real: string;
}

async function allowedDirsOf(dirs: readonly string[]): Promise<AllowedDir[]> {
  const out: AllowedDir[] = [];
  for (const dir of dirs) {
    const given = resolve(dir);
    // A configured folder that does not exist (yet) allows nothing, rather than failing every call.
    const real = await realpath(given).catch(() => null);
    if (real) out.push({ given, real });
  }
  return out;
}

/**
 * Read-only and non-blocking: opening a FIFO for reading otherwise waits for a writer, holding one of
 * libuv's four file-system threads (and the process's exit) for as long as none comes; with
 * O_NONBLOCK it opens at once and the regular-file check refuses it. Regular files ignore the flag.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * Where an opened descriptor really is (Linux: /proc/self/fd), or null where the system does not say.
 * realpath and open are two steps: a file (or folder) swapped for a link between them is opened
 * wherever the link points, so the folder check is made again on what was opened. O_NOFOLLOW alone
 * covers only the last path component.
 */
async function openedPath(handle: FileHandle): Promise<string | null> {
  return readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
}

/** `child` is `dir` itself or below it; the separator stops `/logs-old` from passing for `/logs`. */
function isInside(child: string, dir: string): boolean {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  return child.startsWith(prefix);
}

function outside(filepath: string): UserError {
  return new UserError(
    `${filepath} is outside the folders this server may read (MCP_ALLOWED_DIRS on the server)`,
    "Forbidden",
    403,
  );
}

/**
 * Opens a log file for `analyze_log_file` only when it lies inside an allowed folder once every
 * symlink is resolved, is a regular file, and is within the size limit. A relative path is taken
 * from the first allowed folder. Size and type are checked on the opened descriptor, so a file
 * swapped between the check and the read is still the one checked.
 */
export async function openLogFile(policy: FileAccessPolicy, filepath: string): Promise<OpenedLogFile> {
  if (filepath.includes("\0")) throw new UserError("filepath contains a NUL byte");
  if (hasParentSegment(filepath)) throw new UserError(`filepath must not contain '..': ${filepath}`);
  const allowed = await allowedDirsOf(policy.allowedDirs);
  const dirs = allowed.map((d) => d.real);
  if (dirs.length === 0)
    throw new UserError(
      "analyze_log_file is disabled: none of the MCP_ALLOWED_DIRS folders exists on the server",
      "Forbidden",
      403,
    );
  const candidate = isAbsolute(filepath) ? resolve(filepath) : resolve(dirs[0]!, filepath);
  // A path outside every folder is refused before the file system is asked, so the answer is the
  // same whether it exists or not: the tool is no probe for files elsewhere on the server.
  if (!allowed.some((d) => isInside(candidate, d.given) || isInside(candidate, d.real)))
    throw outside(filepath);
  const real = await realpath(candidate).catch(() => null);
  if (real === null) throw new UserError(`no such file: ${filepath}`, "not_found", 404);
  if (!dirs.some((dir) => isInside(real, dir))) throw outside(filepath);
  let handle: FileHandle;
  try {
    handle = await open(real, OPEN_FLAGS);
  } catch (error) {
    throw new UserError(`cannot open ${filepath}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    const opened = await openedPath(handle);
    if (opened !== null && !dirs.some((dir) => isInside(opened, dir))) throw outside(filepath);
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UserError(`${filepath} is not a regular file`);
    if (stat.size > policy.maxFileBytes)
      throw new UserError(
        `${filepath} is ${stat.size} bytes, over the MCP_MAX_FILE_BYTES limit of ${policy.maxFileBytes}`,
        "payload_too_large",
        413,
      );
    const file = handle;
    return {
      path: opened ?? real,
      bytes: stat.size,
      chunks: bounded(file, policy.maxFileBytes, filepath),
      close: () => file.close().catch(() => undefined),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function* bounded(handle: FileHandle, max: number, name: string): AsyncGenerator<Uint8Array> {
  const stream = handle.createReadStream({ autoClose: true });
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > max)
        throw new UserError(
          `${name} grew past the MCP_MAX_FILE_BYTES limit of ${max} while being read`,
          "payload_too_large",
          413,
        );
      yield chunk;
    }
  } finally {
    stream.destroy();
  }
}
