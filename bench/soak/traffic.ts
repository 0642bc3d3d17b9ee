import { mulberry32 } from "../lib/random.js";
import type { CorpusLine } from "./corpus.js";

/** A seeded generator, so two soaks send the same traffic. */
export const seededRandom = mulberry32;

/** IPv4 addresses, long hex ids, then any digit run: each replaced by a fresh value of the same shape. */
const VARIABLE = /\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-f]{8,}\b|\d+/gi;
/** One line in this many is made of words never seen before: a new template now and then, as in life. */
const NOVEL_LINE_EVERY = 20_000;
const HOSTS = 40;

/**
 * Real LogHub messages with their variable parts redrawn, so parameters never repeat, stored rows and
 * search terms keep changing, and per-entity detector state (IPs, users, block ids) meets new keys all the
 * time; the templates stay the real ones, plus a rare line of new words.
 */
export class LineMaker {
  readonly #random: () => number;
  #next = 0;

  constructor(
    readonly corpus: readonly CorpusLine[],
    seed = 17,
  ) {
    if (corpus.length === 0) throw new Error("empty corpus");
    this.#random = seededRandom(seed);
  }

  /** One NDJSON body of `count` lines. */
  ndjson(count: number): string {
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(JSON.stringify(this.record()));
    return `${out.join("\n")}\n`;
  }

  record(): { service: string; level: string; host: string; message: string } {
    const r = this.#random;
    // Walk the corpus in a shuffled-looking but deterministic order: a stride prime to its length.
    const line = this.corpus[(this.#next++ * 7919) % this.corpus.length]!;
    const host = `${line.service}-${Math.floor(r() * HOSTS)}`;
    if (r() * NOVEL_LINE_EVERY < 1) {
      const words = Array.from({ length: 3 + Math.floor(r() * 8) }, () => this.word());
      return { service: line.service, level: "WARN", host, message: words.join(" ") };
    }
    return { service: line.service, level: line.level, host, message: this.vary(line.content) };
  }

  vary(content: string): string {
    const r = this.#random;
    return content.replace(VARIABLE, (m) => {
      if (m.includes(".")) return this.ip();
      if (/[a-f]/i.test(m)) return Array.from(m, () => "0123456789abcdef"[Math.floor(r() * 16)]).join("");
      // Keep small counters small and long ids long, as the system wrote them.
      const digits = Array.from(m, () => String(Math.floor(r() * 10)));
      if (m.length > 1 && digits[0] === "0") digits[0] = String(1 + Math.floor(r() * 9));
      return digits.join("");
    });
  }

  ip(): string {
    const r = this.#random;
    return `${10 + Math.floor(r() * 200)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
  }

  word(): string {
    const r = this.#random;
    return Array.from({ length: 4 + Math.floor(r() * 6) }, () =>
      String.fromCharCode(97 + Math.floor(r() * 26)),
    ).join("");
  }

  /** A SecurityAlert (contracts §2.3) with fresh indicators; `id` makes its alert_id. */
  alert(id: string): Record<string, string> {
    const r = this.#random;
    const hex = Array.from({ length: 64 }, () => "0123456789abcdef"[Math.floor(r() * 16)]).join("");
    return {
      alert_id: id,
      source_ip: this.ip(),
      target_ip: `10.0.${Math.floor(r() * 4)}.${1 + Math.floor(r() * 254)}`,
      file_hash: hex,
      url: `http://${this.word()}.example/${this.word()}`,
      asset_id: `asset-${Math.floor(r() * 50)}`,
      user_id: `user-${Math.floor(r() * 200)}`,
      severity: (["low", "medium", "high", "critical"] as const)[Math.floor(r() * 4)]!,
      rule: `soak rule ${Math.floor(r() * 20)}`,
    };
  }

  /** One of the list reads people and the dashboard make, with a search word from real messages. */
  query(turn: number): string {
    const r = this.#random;
    const words = ["failed", "block", "session", "error", "connection", "user", "received", "interrupt"];
    const word = words[Math.floor(r() * words.length)]!;
    const reads = [
      "/api/v1/anomalies?limit=50",
      "/api/v1/anomalies?limit=50&severity=high&with_total=true",
      "/api/v1/alerts?limit=50",
      `/api/v1/logs?q=${word}&limit=100`,
      `/api/v1/logs/histogram?q=${word}`,
      "/incidents?limit=50",
      "/api/v1/incidents?limit=50",
      "/api/v1/templates",
    ];
    return reads[turn % reads.length]!;
  }
}
