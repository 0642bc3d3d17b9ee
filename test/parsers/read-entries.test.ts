import { describe, expect, it } from "vitest";
import { decodeLine } from "../../src/parsers/decoders/index.js";
import { readLogEntries, SNIFF_BYTES } from "../../src/parsers/read-entries.js";

/** `text` as UTF-8 chunks of `size` bytes (cutting multi-byte characters too). */
async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function entries(text: string, size = 7): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readLogEntries(chunked(text, size))) out.push(e);
  return out;
}

const ctx = { observedAt: "2026-01-01T00:00:00.000Z" };
const bodies = (list: string[]) => list.map((e) => decodeLine(e, ctx).body);
const logs = [
  { message: "café opened ☕", level: "info" },
  { message: "line with a } and a ] inside", level: "error" },
];

describe("readLogEntries", () => {
  it("gives each element of a JSON array, pretty-printed and cut anywhere, as one entry", async () => {
    expect(bodies(await entries(JSON.stringify(logs, null, 2)))).toEqual(logs.map((l) => l.message));
    expect(bodies(await entries(JSON.stringify({ source: "x", logs }), 3))).toEqual(
      logs.map((l) => l.message),
    );
  });

  it("gives lines for NDJSON and text, including text whose lines open with a bracket", async () => {
    expect(bodies(await entries(logs.map((l) => JSON.stringify(l)).join("\n")))).toEqual(
      logs.map((l) => l.message),
    );
    const apache =
      "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok\n[Sun Dec 04 04:47:45 2005] [error] mod_jk child in error state 6\n";
    expect(await entries(apache)).toHaveLength(2);
  });

  it("reads a document longer than what it sniffs, and nothing from an empty stream", async () => {
    const many = Array.from({ length: 2_000 }, (_, i) => ({ message: `event ${i} ${"x".repeat(40)}` }));
    const text = JSON.stringify(many, null, 2);
    expect(text.length).toBeGreaterThan(SNIFF_BYTES);
    const got = await entries(text, 4096);
    expect(got).toHaveLength(2_000);
    expect(decodeLine(got[1_999]!, ctx).body).toBe(many[1_999]!.message);
    expect(await entries("")).toEqual([]);
  });
});
