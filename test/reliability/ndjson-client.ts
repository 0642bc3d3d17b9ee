import { readFileSync } from "node:fs";
import { loghubFile } from "../helpers/loghub.js";

/** Real lines, so the miner grows real templates: three services of different shapes. */
const SOURCES = ["HDFS", "OpenSSH", "Apache"].map((name) => ({
  service: name.toLowerCase(),
  lines: readFileSync(loghubFile(name), "utf8").split("\n").filter(Boolean),
}));

export const ADMIN_TOKEN = "reliability-admin-token";

/** Sends NDJSON batches to `POST /ingest`, each line tagged with a unique `metadata.seq`, and records acks. */
export class IngestClient {
  #nextSeq = 1;
  readonly acknowledged = new Set<number>();
  /** Every sequence number ever sent (acknowledged or not): none may be stored twice. */
  sent = 0;
  ackedBatches = 0;
  /** Batches without a 2xx: connection cut by a kill, or 503 while starting/stopping. */
  unacknowledgedBatches = 0;
  /** Answers that are neither 2xx nor 503 (a 5xx here is a defect). */
  readonly unexpected: string[] = [];

  constructor(
    readonly linesPerBatch: number,
    readonly token = ADMIN_TOKEN,
  ) {}

  /** Builds the next batch: `[seqs, NDJSON body]`. */
  nextBatch(lines = this.linesPerBatch): [number[], string] {
    const seqs: number[] = [];
    const body: string[] = [];
    for (let i = 0; i < lines; i++) {
      const seq = this.#nextSeq++;
      const source = SOURCES[seq % SOURCES.length]!;
      const message = source.lines[Math.floor(seq / SOURCES.length) % source.lines.length]!;
      seqs.push(seq);
      body.push(JSON.stringify({ service: source.service, level: "INFO", message, metadata: { seq } }));
    }
    this.sent += lines;
    return [seqs, `${body.join("\n")}\n`];
  }

  /** Sends one batch; true when it was acknowledged (its lines must then be stored exactly once). */
  async send(url: string, lines = this.linesPerBatch): Promise<boolean> {
    const [seqs, body] = this.nextBatch(lines);
    let status: number;
    try {
      const res = await fetch(`${url}/ingest`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.token}`, "content-type": "application/x-ndjson" },
        body,
      });
      status = res.status;
      const text = await res.text();
      if (status >= 200 && status < 300) {
        for (const s of seqs) this.acknowledged.add(s);
        this.ackedBatches++;
        return true;
      }
      if (status !== 503) this.unexpected.push(`${status} ${text.slice(0, 200)}`);
    } catch {
      // The server died under the request: the batch may or may not be stored, but never twice.
    }
    this.unacknowledgedBatches++;
    return false;
  }
}
