import { describe, expect, it } from "vitest";
import { compilePattern, parseWildcards } from "../../src/sigma/wildcard.js";

const matches = (pattern: string, value: string, cased = false) =>
  compilePattern(parseWildcards(pattern), cased)(cased ? value : value.toLowerCase());

describe("Sigma wildcards", () => {
  it("reads * and ? as wildcards, case-insensitively", () => {
    expect(matches("prog?.exe", "PROGA.exe")).toBe(true);
    expect(matches("prog?.exe", "progAB.exe")).toBe(false);
    expect(matches("antivirus_V*.exe", "antivirus_V21.2.1.exe")).toBe(true);
    expect(matches("*\\cmd.exe", "C:\\Windows\\System32\\CMD.EXE")).toBe(true);
    expect(matches("a*b*c", "a--b--c")).toBe(true);
    expect(matches("a*b*c", "a--c--b")).toBe(false);
  });

  it("keeps case with cased", () => {
    expect(matches("Evil*", "evil.exe", true)).toBe(false);
    expect(matches("Evil*", "Evil.exe", true)).toBe(true);
  });

  it("follows the specification's escapes", () => {
    // \* and \? are plain characters.
    expect(matches("what\\?", "what?")).toBe(true);
    expect(matches("what\\?", "whatX")).toBe(false);
    expect(matches("a\\*b", "a*b")).toBe(true);
    expect(matches("a\\*b", "axxb")).toBe(false);
    // A backslash before anything else is itself.
    expect(matches("C:\\Windows", "c:\\windows")).toBe(true);
    // \\* is a backslash then a wildcard.
    expect(matches("dir\\\\*", "dir\\anything")).toBe(true);
    // \\\* is a backslash and a star, both plain.
    expect(matches("dir\\\\\\*", "dir\\*")).toBe(true);
    expect(matches("dir\\\\\\*", "dir\\x")).toBe(false);
    // \\\\ is two backslashes.
    expect(matches("a\\\\\\\\b", "a\\\\b")).toBe(true);
  });

  it("matches the empty string only with an empty pattern or *", () => {
    expect(matches("", "")).toBe(true);
    expect(matches("", "x")).toBe(false);
    expect(matches("*", "")).toBe(true);
  });

  it("lets regular-expression characters in values be plain", () => {
    expect(matches("a.b(c)[d]+$", "A.B(C)[D]+$")).toBe(true);
    expect(matches("a.b", "axb")).toBe(false);
    expect(matches("*a.b-c/d*", "xx a.b-c/d yy")).toBe(true);
    expect(matches("?a.b-c/d", "xa.b-c/d")).toBe(true);
  });
});
