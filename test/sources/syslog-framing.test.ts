import { describe, expect, it } from "vitest";
import { SyslogFrameReader } from "../../src/sources/syslog/framing.js";

describe("SyslogFrameReader", () => {
  it("reads octet-counted and newline-framed messages, mixed, across chunk boundaries", () => {
    const r = new SyslogFrameReader(1024);
    const stream = Buffer.from("11 <13>1 hello<14>plain line\r\n5 abcde<15>last\n");
    const out: string[] = [];
    for (let i = 0; i < stream.length; i += 3) out.push(...r.push(stream.subarray(i, i + 3)));
    expect(out).toEqual(["<13>1 hello", "<14>plain line", "abcde", "<15>last"]);
    expect(r.end()).toEqual([]);
  });

  it("counts octets, not characters, and keeps newlines inside an octet-counted frame", () => {
    const r = new SyslogFrameReader(1024);
    const msg = "<13>1 - - - - - é\nsecond line";
    expect(r.push(Buffer.from(`${Buffer.byteLength(msg)} ${msg}`))).toEqual([msg]);
  });

  it("cuts over-long frames and skips their rest", () => {
    const r = new SyslogFrameReader(480);
    const long = "x".repeat(1000);
    expect(r.push(Buffer.from(`1000 ${long}3 abc`))).toEqual(["x".repeat(480), "abc"]);
    expect(r.push(Buffer.from(`${"y".repeat(600)}`))).toEqual(["y".repeat(480)]);
    expect(r.push(Buffer.from("yyy\n<1>next\n"))).toEqual(["<1>next"]);
    expect(r.truncated).toBe(2);
  });

  it("returns an unterminated last message at end", () => {
    const r = new SyslogFrameReader(1024);
    expect(r.push(Buffer.from("<13>no newline"))).toEqual([]);
    expect(r.end()).toEqual(["<13>no newline"]);
  });
});
