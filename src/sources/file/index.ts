import type { Stats } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import type { FileSourceConfig } from "../../config/source-schema.js";
import { cutLine, DEFAULT_LINE_LIMIT, holdLine, type LineLimit, noteLineCut } from "../../core/line-limit.js";
import type { LogRecord } from "../../core/log-record.js";
import type { Source, SourceContext, SourceCounters, SourceState } from "../../core/source.js";
import { isoUtc } from "../../core/time.js";
import { decodeLine, LineAssembler } from "../../parsers/decoders/index.js";
import { keyedSubmission } from "../read-key.js";
import { SourceStoppedError, type SubmissionCounts, sleep, submitCounted } from "../submit-retry.js";
import {
  checkpointJson,
  FINGERPRINT_BYTES,
  type FileCheckpoint,
  fingerprintOf,
  parseFileCheckpoint,
} from "./checkpoint.js";
import { expandGlobs } from "./glob.js";

interface Tracked {
  /** `dev:ino`: the file's identity, which survives a rename. */
  id: string;
  path: string;
  key: string;
  fh: FileHandle;
  gz: boolean;
  cp: FileCheckpoint;
  service: string;
  lastSize: number;
  /** Size at which reading failed; retried only once the file changes. */
  failedAtSize: number | null;
  /** Passes in a row that did not find it under the globs (see MISSING_PASSES). */
  missingPasses: number;
  /**
   * Where a submission a crash left unsettled ended (`FileCheckpoint.pending.to`): the first read after
   * the restart stops there, so it reads what the crashed one read and gets its key (`keyedSubmission`), even when
   * the file grew since. Unset once read past.
   */
  replayTo?: number;
}

/**
 * Passes a file may be missing from the globs before it is let go. A rotation renames the file and
 * creates the new one; a pass that lists the directory before the rename and stats after it sees only
 * the new file, and the next pass finds the old one under its new name. Letting it go at once forgot its
 * offset, so a rotated name the globs match (`app.log*`) was read again from the start.
 */
const MISSING_PASSES = 2;

/** `app.log.1.gz` → `app.log`: rotated copies keep the service name of the live file. */
export function serviceFromPath(path: string): string {
  return basename(path)
    .replace(/\.gz$/, "")
    .replace(/\.\d+$/, "");
}

/** Attribute naming the source on every record (what a reader filters on to see one source's lines). */
export const SOURCE_ATTRIBUTE = "logwarden.source";

/**
 * Tails files and globs. Files are polled (`fs.watch` misses events on network file systems and after
 * renames); each is known by its identity (device + inode), so a rotation (rename, then a new file at the
 * path) drains the old file to its end through the open handle before the new one is read, and a
 * truncation starts over at 0. Offsets are checkpointed in the store after the records before them are
 * committed; see `FileCheckpoint` for how a crash between the two is settled. Gzip files are read whole,
 * once.
 */
export class FileSource implements Source {
  readonly type = "file";
  #state: SourceState = "stopped";
  #ctx: SourceContext | null = null;
  readonly #tracked = new Map<string, Tracked>();
  #firstPass = true;
  #loop: Promise<void> | null = null;
  #abort = new AbortController();
  readonly #warned = new Set<string>();
  #passes = 0;
  readonly #counts: SubmissionCounts = { records: 0, failedSubmissions: 0 };
  /** Lines cut to `MAX_LINE_BYTES`, and lines past it skipped because `LINE_TOO_LONG` is `refuse`. */
  #cutLines = 0;
  #refusedLines = 0;
  /** The number of this source's last submission (see `SubmissionRef`). */
  #seq = 0;
  /** Names this source's submissions in the store; by type too, as a name may pass to another type. */
  get #submitter(): string {
    return `${this.type}:${this.name}`;
  }
  /** The source's committed submission watermark when it started: what settles a checkpoint's `pending`. */
  #committedAtStart = 0;

  constructor(
    readonly name: string,
    readonly options: FileSourceConfig,
  ) {}

  /**
   * Passes completed since construction: each lists the files and reads, and commits, what they gained.
   * Once a pass that began after a write has completed, whatever the write made readable is stored.
   */
  get passes(): number {
    return this.#passes;
  }

  counters(): SourceCounters {
    return {
      ...this.#counts,
      passes: this.#passes,
      cutLines: this.#cutLines,
      refusedLines: this.#refusedLines,
    };
  }

  state(): SourceState {
    return this.#state;
  }

  get #prefix(): string {
    return `source:file:${this.name}:`;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    this.#abort = new AbortController();
    this.#committedAtStart = await ctx.checkpoints.committedSubmission(this.#submitter);
    // Numbers go on past every one a checkpoint still holds as pending, committed or not, so a file
    // settled later (found again after this start) is never judged by another submission's number.
    this.#seq = this.#committedAtStart;
    for (const value of (await ctx.checkpoints.loadPrefix(this.#prefix)).values()) {
      const pending = parseFileCheckpoint(value)?.pending;
      if (pending) this.#seq = Math.max(this.#seq, pending.submission);
    }
    this.#state = "ok";
    ctx.log.info({ paths: this.options.paths }, "file source started");
    this.#loop = this.#run();
  }

  /** Runs one pass now (tests and `stop` use it to settle without waiting for the timer). */
  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        await this.#pass();
        this.#passes++;
      } catch (error) {
        if (error instanceof SourceStoppedError) break;
        this.#ctx!.log.error({ err: error }, "file source pass failed; retrying");
      }
      try {
        await sleep(this.options.pollMs, signal);
      } catch {
        break;
      }
    }
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    this.#loop = null;
    for (const t of this.#tracked.values()) await t.fh.close().catch(() => {});
    this.#tracked.clear();
    this.#state = "stopped";
  }

  async #pass(): Promise<void> {
    const found = new Map<string, { path: string; st: Stats }>();
    for (const path of await expandGlobs(this.options.paths)) {
      const st = await stat(path).catch(() => null);
      if (!st?.isFile()) continue;
      const id = `${st.dev}:${st.ino}`;
      if (!found.has(id)) found.set(id, { path, st });
    }
    for (const t of [...this.#tracked.values()]) {
      const now = found.get(t.id);
      if (now) t.missingPasses = 0;
      if (now?.path === t.path) continue;
      if (now) {
        await this.#renamed(t, now.path);
        continue;
      }
      // Missing once may be a rotation seen half-way; it is still read through our handle meanwhile.
      if (++t.missingPasses < MISSING_PASSES) continue;
      // Rotated away or deleted: what was written before that is still readable through our handle.
      await this.#read(t, true);
      await t.fh.close().catch(() => {});
      this.#tracked.delete(t.id);
      await this.#ctx!.checkpoints.delete(t.key);
    }
    for (const [id, { path, st }] of found) {
      if (!this.#tracked.has(id)) await this.#open(id, path, st);
    }
    this.#firstPass = false;
    for (const t of this.#tracked.values()) {
      if (this.#abort.signal.aborted) return;
      await this.#read(t, false);
    }
  }

  async #renamed(t: Tracked, path: string): Promise<void> {
    await this.#ctx!.checkpoints.delete(t.key);
    t.path = path;
    t.key = `${this.#prefix}${t.id}:${path}`;
    t.cp.path = path;
    await this.#save(t);
  }

  async #open(id: string, path: string, st: Stats): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(path, "r");
    } catch (error) {
      if (!this.#warned.has(path)) {
        this.#warned.add(path);
        this.#ctx!.log.warn({ err: error, path }, "cannot open file; will retry");
      }
      return;
    }
    this.#warned.delete(path);
    // Until the handle is tracked (and so closed by `stop` or a rotation), a failure here must close it:
    // a FileHandle left to the garbage collector is an uncaught error on Node 26.
    let t: Tracked | null = null;
    try {
      t = await this.#resume(id, path, st, fh);
    } finally {
      if (t === null) await fh.close().catch(() => {});
    }
    if (t === null) return;
    this.#tracked.set(id, t);
    await this.#save(t);
  }

  /** The file just opened as `fh`, from its checkpoint if any; null when it was replaced since listed. */
  async #resume(id: string, path: string, st: Stats, fh: FileHandle): Promise<Tracked | null> {
    const opened = await fh.stat();
    // Replaced between stat and open: the next pass sees the new file.
    if (`${opened.dev}:${opened.ino}` !== id) return null;
    const cps = this.#ctx!.checkpoints;
    const key = `${this.#prefix}${id}:${path}`;
    let cp = parseFileCheckpoint(await cps.load(key));
    if (!cp) {
      // Renamed while we were down: same identity, another path.
      for (const [oldKey, value] of await cps.loadPrefix(`${this.#prefix}${id}:`)) {
        cp ??= parseFileCheckpoint(value);
        await cps.delete(oldKey);
      }
    }
    if (cp && cp.fingerprintBytes > 0 && (await fingerprintOf(fh, cp.fingerprintBytes)) !== cp.fingerprint) {
      cp = null; // the inode was reused by another file
    }
    let replayTo: number | undefined;
    if (cp?.pending) {
      if (cp.pending.submission <= this.#committedAtStart) cp.offset = cp.pending.to;
      else replayTo = cp.pending.to;
      delete cp.pending;
    }
    const gz = path.endsWith(".gz");
    cp ??= {
      path,
      offset: this.#firstPass && this.options.startAt === "end" && !gz ? st.size : 0,
      fingerprint: "",
      fingerprintBytes: 0,
    };
    cp.path = path;
    const t: Tracked = {
      id,
      path,
      key,
      fh,
      gz,
      cp,
      service: this.options.service ?? serviceFromPath(path),
      lastSize: -1,
      failedAtSize: null,
      missingPasses: 0,
      ...(replayTo !== undefined && replayTo > cp.offset ? { replayTo } : {}),
    };
    return t;
  }

  async #save(t: Tracked): Promise<void> {
    await this.#ctx!.checkpoints.save(t.key, checkpointJson(t.cp));
  }

  async #read(t: Tracked, final: boolean): Promise<void> {
    const st = await t.fh.stat();
    if (t.failedAtSize !== null && t.failedAtSize === st.size && !final) return;
    try {
      if (t.gz) {
        // A compressed file is read once, after its writer is done with it.
        if (t.cp.done || (!final && Date.now() - st.mtimeMs < 1_000)) return;
        await this.#readGz(t);
      } else {
        await this.#readPlain(t, final);
      }
      t.failedAtSize = null;
    } catch (error) {
      if (error instanceof SourceStoppedError) throw error;
      t.failedAtSize = st.size;
      this.#ctx!.log.error({ err: error, path: t.path }, "reading file failed");
    }
  }

  async #readPlain(t: Tracked, final: boolean): Promise<void> {
    const { chunkBytes } = this.options;
    const buf = Buffer.alloc(chunkBytes);
    while (!this.#abort.signal.aborted) {
      const size = (await t.fh.stat()).size;
      if (size < t.cp.offset || (size !== t.lastSize && !(await this.#sameContent(t)))) {
        this.#ctx!.log.info({ path: t.path, size, offset: t.cp.offset }, "file truncated");
        t.cp = { path: t.path, offset: 0, fingerprint: "", fingerprintBytes: 0 };
        delete t.replayTo;
        await this.#save(t);
      }
      t.lastSize = size;
      if (size <= t.cp.offset) return;
      // An unsettled submission is read again as it was read, up to where it ended (`Tracked.replayTo`);
      // a file shorter than that is not the one that was read.
      if (t.replayTo !== undefined && t.replayTo > size) delete t.replayTo;
      const want = Math.min(chunkBytes, (t.replayTo ?? size) - t.cp.offset);
      const { bytesRead } = await t.fh.read(buf, 0, want, t.cp.offset);
      if (bytesRead === 0) return;
      const lf = buf.lastIndexOf(0x0a, bytesRead - 1);
      let take: number;
      if (lf !== -1) take = lf + 1;
      else if (bytesRead === chunkBytes) {
        // A line longer than a chunk: one record, its start kept, the rest read past (`#longLine`).
        if (!(await this.#longLine(t, buf, bytesRead, final))) return;
        continue;
      } else if (final)
        take = bytesRead; // a file's last words
      else if (t.replayTo !== undefined) {
        // The crashed read ended with no newline (the file's last words then): read on as usual.
        delete t.replayTo;
        continue;
      } else return; // wait for the writer to finish the line
      await this.#commit(t, this.#decode(t, buf.subarray(0, take)), t.cp.offset + take);
    }
  }

  /**
   * The line at the checkpoint's offset, longer than a chunk (`first` holds its first `firstBytes`): read
   * to its end without holding more than `MAX_LINE_BYTES` of it, then committed as one record, cut to
   * the limit with its length (or skipped when the limit refuses), and the offset moved past it. A
   * 12 MB line was twelve records of a chunk each. False when the writer has not finished the line yet
   * (read again on the next pass; at the end of a final read, the file's end ends it).
   */
  async #longLine(t: Tracked, first: Buffer, firstBytes: number, final: boolean): Promise<boolean> {
    const limit = this.#lineLimit;
    const keep = limit.maxBytes + 4; // a character's bytes past the limit, so the cut finds its boundary
    const head: Buffer[] = [Buffer.from(first.subarray(0, Math.min(firstBytes, keep)))];
    let held = head[0]!.length;
    const buf = Buffer.alloc(this.options.chunkBytes);
    let pos = t.cp.offset + firstBytes;
    let end = -1; // where the line's bytes end (its LF, or the file's end)
    let ended = false; // by an LF
    for (;;) {
      const { bytesRead } = await t.fh.read(buf, 0, buf.length, pos);
      const lf = bytesRead > 0 ? buf.subarray(0, bytesRead).indexOf(0x0a) : -1;
      const upTo = lf === -1 ? bytesRead : lf;
      if (held < keep && upTo > 0) {
        const piece = Buffer.from(buf.subarray(0, Math.min(upTo, keep - held)));
        head.push(piece);
        held += piece.length;
      }
      if (lf !== -1) {
        end = pos + lf;
        ended = true;
        break;
      }
      pos += bytesRead;
      if (bytesRead < buf.length) {
        if (!final) return false;
        end = pos;
        break;
      }
    }
    let lineBytes = end - t.cp.offset;
    let bytes = Buffer.concat(head);
    if (lineBytes <= bytes.length && bytes[lineBytes - 1] === 0x0d) lineBytes--;
    bytes = bytes.subarray(0, Math.min(bytes.length, lineBytes));
    const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
    const cut = cutLine(text, limit.maxBytes, lineBytes);
    const to = ended ? end + 1 : end;
    if (cut && limit.onTooLong === "refuse") {
      this.#refused(t, cut.originalBytes);
      await this.#commit(t, [], to);
      return true;
    }
    const record = this.#recordOf(t, cut ? cut.text : text, isoUtc(this.#ctx!.clock.now()));
    if (cut) {
      noteLineCut(record, cut);
      this.#cutLines++;
    }
    await this.#commit(t, [record], to);
    return true;
  }

  /** The record of the start of a line longer than a chunk of a compressed file (none when refused). */
  #longLineStart(t: Tracked, head: Buffer): LogRecord[] {
    const limit = this.#lineLimit;
    const text = new TextDecoder("utf-8", { fatal: false }).decode(
      head.subarray(0, Math.min(head.length, limit.maxBytes + 4)),
    );
    const cut = cutLine(text, limit.maxBytes, null);
    if (!cut) return this.#decode(t, head);
    if (limit.onTooLong === "refuse") {
      this.#refused(t, null);
      return [];
    }
    const record = this.#recordOf(t, cut.text, isoUtc(this.#ctx!.clock.now()));
    noteLineCut(record, cut);
    this.#cutLines++;
    return [record];
  }

  get #lineLimit(): LineLimit {
    return this.#ctx?.lineLimit ?? DEFAULT_LINE_LIMIT;
  }

  #refused(t: Tracked, bytes: number | null): void {
    const refused = ++this.#refusedLines;
    if (refused === 1 || refused % 1000 === 0)
      this.#ctx!.log.warn(
        { path: t.path, bytes, maxLineBytes: this.#lineLimit.maxBytes, refused },
        "file line longer than MAX_LINE_BYTES skipped (LINE_TOO_LONG is refuse)",
      );
  }

  #recordOf(t: Tracked, line: string, observedAt: string): LogRecord {
    const record = decodeLine(line, { observedAt, defaultService: t.service });
    record.attributes["log.file.path"] = t.path;
    record.attributes[SOURCE_ATTRIBUTE] = this.name;
    return record;
  }

  /** Whether the bytes we fingerprinted are still there (copytruncate and regrowth look like growth). */
  async #sameContent(t: Tracked): Promise<boolean> {
    if (t.cp.fingerprintBytes === 0) return true;
    return (await fingerprintOf(t.fh, t.cp.fingerprintBytes)) === t.cp.fingerprint;
  }

  async #readGz(t: Tracked): Promise<void> {
    const { chunkBytes } = this.options;
    const skip = t.cp.offset;
    // `pipeline`, not `pipe`: a read error of the file destroys the gunzip stream with it, so the loop
    // below throws and `#read` logs and retries, where `pipe` left it an unhandled 'error' event that
    // ended the process; and destroying the gunzip stream destroys the file's (its handle stays open).
    // Errors reach the loop; the callback has nothing left to do.
    const stream = pipeline(t.fh.createReadStream({ start: 0, autoClose: false }), createGunzip(), () => {});
    let pos = 0;
    let pending: Buffer = Buffer.alloc(0);
    let pendingStart = skip;
    let skipping = false;
    try {
      for await (const raw of stream) {
        let chunk = raw as Buffer;
        if (pos + chunk.length <= skip) {
          pos += chunk.length;
          continue;
        }
        if (pos < skip) chunk = chunk.subarray(skip - pos);
        pos = Math.max(pos, skip) + chunk.length;
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        for (;;) {
          if (skipping) {
            // The rest of a line longer than a chunk, up to its newline, is read past, never held.
            const lf = pending.indexOf(0x0a);
            const past = lf === -1 ? pending.length : lf + 1;
            pendingStart += past;
            pending = pending.subarray(past);
            if (lf === -1) break;
            skipping = false;
          }
          if (pending.length < chunkBytes) break;
          const lf = pending.lastIndexOf(0x0a, chunkBytes - 1);
          if (lf === -1) {
            // A line longer than a chunk: one record of its start, cut to the limit (its length unknown).
            await this.#commit(
              t,
              this.#longLineStart(t, pending.subarray(0, chunkBytes)),
              pendingStart + chunkBytes,
            );
            pendingStart += chunkBytes;
            pending = pending.subarray(chunkBytes);
            skipping = true;
            continue;
          }
          const cut = lf + 1;
          await this.#commit(t, this.#decode(t, pending.subarray(0, cut)), pendingStart + cut);
          pendingStart += cut;
          pending = pending.subarray(cut);
        }
      }
    } finally {
      stream.destroy();
    }
    if (pending.length > 0) await this.#commit(t, this.#decode(t, pending), pendingStart + pending.length);
    t.cp.done = true;
    await this.#save(t);
  }

  #decode(t: Tracked, bytes: Buffer): LogRecord[] {
    const limit = this.#lineLimit;
    const assembler = new LineAssembler({ lineLimitBytes: limit.maxBytes });
    const lines = assembler.push(bytes);
    for (const l of assembler.end()) lines.push(l);
    const observedAt = isoUtc(this.#ctx!.clock.now());
    const records: LogRecord[] = [];
    for (const line of lines) {
      // Held to MAX_LINE_BYTES: the assembler cut and marked a longer line; its record is flagged.
      const held = holdLine(line, limit.maxBytes);
      if (held.cut && limit.onTooLong === "refuse") {
        this.#refused(t, held.cut.originalBytes);
        continue;
      }
      const record = this.#recordOf(t, held.text, observedAt);
      if (held.cut) {
        noteLineCut(record, held.cut);
        this.#cutLines++;
      }
      records.push(record);
    }
    return records;
  }

  /**
   * Hands records to the pipeline and moves the offset to `to` once they are committed. The intent is
   * saved first, so a crash in between is settled at the next start (see `FileCheckpoint.pending`).
   */
  async #commit(t: Tracked, records: LogRecord[], to: number): Promise<void> {
    if (t.replayTo !== undefined && to >= t.replayTo) delete t.replayTo;
    if (records.length > 0) {
      const position = [this.#submitter, t.id, String(t.cp.offset), String(to)];
      const submission = keyedSubmission(this.#submitter, ++this.#seq, position, records);
      t.cp.pending = { to, submission: submission.seq };
      await this.#save(t);
      await submitCounted(this.#ctx!.submit, records, this.#abort.signal, submission, this.#counts);
    }
    t.cp.offset = to;
    delete t.cp.pending;
    if (!t.gz && t.cp.fingerprintBytes < FINGERPRINT_BYTES && to > t.cp.fingerprintBytes) {
      t.cp.fingerprintBytes = Math.min(FINGERPRINT_BYTES, to);
      t.cp.fingerprint = await fingerprintOf(t.fh, t.cp.fingerprintBytes);
    }
    await this.#save(t);
  }
}
