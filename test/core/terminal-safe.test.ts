import { describe, expect, it } from "vitest";
import { terminalSafe, terminalSafeJson, terminalSafeLines } from "../../src/core/terminal-safe.js";
import { rawControls } from "../helpers/terminal.js";

describe("terminalSafe: data's control characters shown, never obeyed", () => {
  it("escapes C0 controls, DEL and C1 controls as \\xHH, newlines and carriage returns included", () => {
    expect(terminalSafe("title \u001b]0;pwned\u0007 done")).toBe("title \\x1b]0;pwned\\x07 done");
    // OSC 52 writes the clipboard; CSI 2K erases the line, CR returns to rewrite it.
    expect(terminalSafe("\u001b]52;c;cm0gLXJmIH4=\u0007")).toBe("\\x1b]52;c;cm0gLXJmIH4=\\x07");
    expect(terminalSafe("ok\u001b[2K\rfake")).toBe("ok\\x1b[2K\\x0dfake");
    expect(terminalSafe("a\nb")).toBe("a\\x0ab");
    expect(terminalSafe("\u0000\u007f\u0080\u009b31m\u009f")).toBe("\\x00\\x7f\\x80\\x9b31m\\x9f");
  });

  it("keeps tab, printable text, backslashes and non-ASCII letters as they are", () => {
    const plain = "GET /a\tb C:\\temp é ü 日本 \u00a0 \u2028 done";
    expect(terminalSafe(plain)).toBe(plain);
    expect(terminalSafe("")).toBe("");
  });

  it("terminalSafeLines keeps the text's own line breaks and escapes the rest", () => {
    expect(terminalSafeLines("line 1\nline \u001b[31m2\r\n")).toBe("line 1\nline \\x1b[31m2\\x0d\n");
  });

  it("terminalSafeJson leaves JSON meaning the same value, with no raw DEL or C1 left", () => {
    const value = { message: "x\u001b[31m\u007f\u009b\u0085y", n: 1 };
    const json = JSON.stringify(value);
    // JSON.stringify escapes C0 itself but leaves DEL and C1 raw.
    expect(json).toContain("\u009b");
    const safe = terminalSafeJson(json);
    expect(rawControls(safe)).toEqual([]);
    expect(safe).toContain("\\u009b");
    expect(JSON.parse(safe)).toEqual(value);
    expect(terminalSafeJson('{"a":"b"}')).toBe('{"a":"b"}');
  });
});
