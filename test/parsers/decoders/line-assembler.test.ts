import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { LineAssembler, readRecords } from "../../../src/parsers/decoders/line-assembler.js";

/** All records from feeding `chunks` in order, then `end()`. */
function assemble(chunks: (string | Uint8Array)[], options?: ConstructorParameters<typeof LineAssembler>[0]) {
  const a = new LineAssembler(options);
  const out: string[] = [];
  for (const c of chunks) out.push(...a.push(c));
  out.push(...a.end());
  return { out, truncated: a.truncated };
}

const JAVA = [
  "2026-01-05 09:30:00 ERROR [main] c.a.Service - request failed",
  "java.lang.IllegalStateException: boom",
  "\tat com.acme.Service.run(Service.java:42)",
  "\tat com.acme.Main.main(Main.java:7)",
  "Caused by: java.io.IOException: disk",
  "\tat com.acme.Disk.write(Disk.java:9)",
  "\t... 2 more",
];

const PYTHON = [
  "ERROR:root:handler crashed",
  "Traceback (most recent call last):",
  '  File "/app/main.py", line 10, in <module>',
  "    run()",
  '  File "/app/main.py", line 6, in run',
  "    1 / 0",
  "ZeroDivisionError: division by zero",
];

describe("LineAssembler: splitting", () => {
  it.each([
    ["empty input", [], []],
    ["only newlines and blanks", ["\n\n  \n\t\n"], []],
    ["one line without newline", ["abc"], ["abc"]],
    ["CRLF", ["a\r\nb\r\n"], ["a", "b"]],
    ["CR split from LF across chunks", ["a\r", "\nb"], ["a", "b"]],
    ["line split across chunks", ["hel", "lo\nwor", "ld\n"], ["hello", "world"]],
    ["blank lines skipped", ["a\n\nb\n"], ["a", "b"]],
  ])("%s", (_name, chunks, expected) => {
    expect(assemble(chunks).out).toEqual(expected);
  });

  it("UTF-8 character split across Buffer chunks", () => {
    const bytes = Buffer.from("héllo → wörld 🎉\nnext\n", "utf8");
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b)); // one byte at a time
    expect(assemble(chunks).out).toEqual(["héllo → wörld 🎉", "next"]);
  });

  it("invalid bytes become U+FFFD, the rest of the line survives", () => {
    const chunks = [Buffer.from([0x61, 0xff, 0x62, 0x0a, 0xe2, 0x82]), Buffer.from([0x0a, 0x63])];
    expect(assemble(chunks).out).toEqual(["a\uFFFDb", "\uFFFD", "c"]);
  });

  it("a truncated sequence at the very end becomes U+FFFD", () => {
    expect(assemble([Buffer.from([0x61, 0xe2, 0x82])]).out).toEqual(["a\uFFFD"]);
  });

  it("a leading BOM is dropped", () => {
    expect(assemble([Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x0a])]).out).toEqual(["a"]);
  });
});

describe("LineAssembler: stack traces", () => {
  it("groups a Java trace with its cause", () => {
    expect(assemble([`${JAVA.join("\n")}\nnext record\n`]).out).toEqual([JAVA.join("\n"), "next record"]);
  });

  it("groups a Python traceback, including the exception line", () => {
    expect(assemble([`${PYTHON.join("\n")}\nINFO:root:recovered\n`]).out).toEqual([
      PYTHON.join("\n"),
      "INFO:root:recovered",
    ]);
  });

  it("groups chained Python exceptions across the blank lines between them", () => {
    const chained = [
      "ERROR boom",
      "Traceback (most recent call last):",
      '  File "a.py", line 1, in f',
      "    d['x']",
      "KeyError: 'x'",
      "",
      "During handling of the above exception, another exception occurred:",
      "",
      "Traceback (most recent call last):",
      '  File "a.py", line 3, in f',
      "    raise ValueError",
      "ValueError",
      "INFO: next",
    ];
    expect(assemble([chained.join("\n")]).out).toEqual([
      chained
        .slice(0, 12)
        .filter((l) => l !== "")
        .join("\n"),
      "INFO: next",
    ]);
  });

  it("a line like `INFO: x` after a normal record is not a Python exception line", () => {
    expect(assemble(["start\nINFO: x\n"]).out).toEqual(["start", "INFO: x"]);
  });

  it.each([
    ["tab-indented continuation", ["head", "\tdetail"], ["head\n\tdetail"]],
    ["4-space continuation", ["head", "    detail"], ["head\n    detail"]],
    ["2-space line is not a continuation", ["head", "  detail"], ["head", "  detail"]],
    ["indented lines after an indented start are separate", ["    a", "    b"], ["    a", "    b"]],
    [
      "`at` frames after an indented start still join",
      ["  x", "    at y(Y.java:1)"],
      ["  x\n    at y(Y.java:1)"],
    ],
    [
      "logback elided frames",
      ["head", "\tat a.b(C.java:1)", "... 5 common frames omitted"],
      ["head\n\tat a.b(C.java:1)\n... 5 common frames omitted"],
    ],
    ["continuation at stream start has nothing to join", ["\tat a.b(C.java:1)"], ["\tat a.b(C.java:1)"]],
  ])("%s", (_name, lines, expected) => {
    expect(assemble([`${lines.join("\n")}\n`]).out).toEqual(expected);
  });

  it("JSON lines never merge, and are emitted without waiting for the next line", () => {
    const a = new LineAssembler();
    expect(a.push('{"msg":"a"}\n')).toEqual(['{"msg":"a"}']);
    expect(a.push("\tat x(Y.java:1)\n")).toEqual([]);
    expect(a.end()).toEqual(["\tat x(Y.java:1)"]);
  });

  it("a plain record waits for the next line; flush() releases it", () => {
    const a = new LineAssembler();
    expect(a.push("first\n")).toEqual([]);
    expect(a.push("second\n")).toEqual(["first"]);
    expect(a.flush()).toEqual(["second"]);
    expect(a.end()).toEqual([]);
  });

  it("grouping can be turned off", () => {
    expect(assemble([JAVA.join("\n")], { groupStackTraces: false }).out).toEqual(JAVA);
  });
});

describe("LineAssembler: size caps", () => {
  it("cuts a long line and counts it", () => {
    const { out, truncated } = assemble([`${"x".repeat(50)}\nshort\n`], { maxRecordChars: 10 });
    expect(out).toEqual(["x".repeat(10), "short"]);
    expect(truncated).toBe(1);
  });

  it("cuts a line that never ends across many chunks without buffering it all", () => {
    const a = new LineAssembler({ maxRecordChars: 16 });
    for (let i = 0; i < 1000; i++) expect(a.push("abcdefgh")).toEqual([]);
    expect(a.push("\nok\n")).toEqual(["abcdefghabcdefgh"]);
    expect(a.end()).toEqual(["ok"]);
    expect(a.truncated).toBe(1);
  });

  it("does not split a surrogate pair when cutting", () => {
    expect(assemble(["abc🎉def\n"], { maxRecordChars: 4 }).out).toEqual(["abc"]);
  });

  it("caps a grouped record by size and by line count", () => {
    const bySize = assemble([`head\n${"\tat a.b(C.java:1)\n".repeat(10)}`], { maxRecordChars: 30 });
    expect(bySize.out).toEqual(["head\n\tat a.b(C.java:1)\n\tat a.b"]);
    expect(bySize.out[0]).toHaveLength(30);
    expect(bySize.truncated).toBe(1);
    const byLines = assemble([`head\n${"\tat x\n".repeat(10)}next\n`], { maxRecordLines: 3 });
    expect(byLines.out).toEqual(["head\n\tat x\n\tat x", "next"]);
    expect(byLines.truncated).toBe(1);
  });
});

describe("readRecords", () => {
  it("reads a stream of Buffers", async () => {
    const bytes = Buffer.from(`${JAVA.join("\n")}\n{"msg":"j"}\nlast`, "utf8");
    const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 100), bytes.subarray(100)];
    const out: string[] = [];
    for await (const r of readRecords(Readable.from(chunks))) out.push(r);
    expect(out).toEqual([JAVA.join("\n"), '{"msg":"j"}', "last"]);
  });

  it("empty stream", async () => {
    const out: string[] = [];
    for await (const r of readRecords(Readable.from([]))) out.push(r);
    expect(out).toEqual([]);
  });
});
