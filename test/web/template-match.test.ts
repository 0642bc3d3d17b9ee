import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchTemplate } from "../../web/src/template-match.js";

/**
 * The dashboard's matcher before issue 49: a lazy regular expression built from the template. Used here
 * only on inputs where it is fast, as the reference for what each wildcard captures.
 */
function regexMatch(template: string, message: string): string[] | null {
  const escaped = template.split("<*>").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const m = new RegExp(`^${escaped.join("(.+?)")}$`, "s").exec(message);
  return m ? m.slice(1) : null;
}

/** `ERR 0 1 2 … (n - 1) <last>`: a long line of numbered words. */
const numbered = (n: number, last: string) =>
  `ERR ${Array.from({ length: n }, (_, i) => i).join(" ")} ${last}`;

describe("matching a log line to its mined template (dashboard)", () => {
  it("gives the value each wildcard stood for", () => {
    expect(matchTemplate("User <*> logged in from <*>", "User alice logged in from 10.0.0.1")).toEqual([
      "alice",
      "10.0.0.1",
    ]);
    expect(
      matchTemplate(
        "Connection closed by <*> port <*> [preauth]",
        "Connection closed by 1.2.3.4 port 22 [preauth]",
      ),
    ).toEqual(["1.2.3.4", "22"]);
    // A value may hold spaces: the first wildcard takes the shortest, the last the rest.
    expect(matchTemplate("ERR <*> <*> END", "ERR a b c d END")).toEqual(["a", "b c d"]);
    expect(matchTemplate("User <*> logged in", "User bob logged out")).toBeNull();
  });

  it("handles templates without wildcards, and wildcards at the ends or side by side", () => {
    expect(matchTemplate("disk full", "disk full")).toEqual([]);
    expect(matchTemplate("disk full", "disk full!")).toBeNull();
    expect(matchTemplate("", "")).toEqual([]);
    expect(matchTemplate("<*>", "anything at all")).toEqual(["anything at all"]);
    expect(matchTemplate("<*>", "")).toBeNull();
    expect(matchTemplate("<*> done", "job 7 done")).toEqual(["job 7"]);
    expect(matchTemplate("start <*>", "start now")).toEqual(["now"]);
    expect(matchTemplate("start <*>", "start ")).toBeNull();
    // Each wildcard stands for at least one character.
    expect(matchTemplate("<*><*>", "abc")).toEqual(["a", "bc"]);
    expect(matchTemplate("<*><*>", "a")).toBeNull();
    expect(matchTemplate("<*> <*>", "a b c")).toEqual(["a", "b c"]);
    expect(matchTemplate("<*> <*>", "a ")).toBeNull();
    expect(matchTemplate("x<*><*><*>y", "x123y")).toEqual(["1", "2", "3"]);
    expect(matchTemplate("x<*><*><*>y", "x12y")).toBeNull();
  });

  it("never lets the literals at the two ends overlap, nor a middle one run into the last", () => {
    expect(matchTemplate("ab<*>ba", "aba")).toBeNull();
    expect(matchTemplate("ab<*>ba", "abba")).toBeNull();
    expect(matchTemplate("ab<*>ba", "abxba")).toEqual(["x"]);
    expect(matchTemplate("a<*>b<*>bc", "axbc")).toBeNull();
    expect(matchTemplate("a<*>b<*>bc", "axbybc")).toEqual(["x", "y"]);
    // A literal seen several times: its first place after the previous wildcard's first character.
    expect(matchTemplate("<*>=<*>=<*>", "a==b=c")).toEqual(["a", "=b", "c"]);
    expect(matchTemplate("k <*> k <*> k", "k k k k k k")).toEqual(["k", "k k"]);
  });

  it("takes the template's text literally, line breaks included", () => {
    const template = "a.b(*) <*> [x]+$ ^{1} | \\d <*>?";
    const message = "a.b(*) one [x]+$ ^{1} | \\d two?";
    expect(matchTemplate(template, message)).toEqual(["one", "two"]);
    expect(matchTemplate(template, "aXb(*) one [x]+$ ^{1} | \\d two?")).toBeNull();
    expect(matchTemplate("trace <*> end", "trace line 1\nline 2 end")).toEqual(["line 1\nline 2"]);
  });

  it("captures what the old lazy regular expression captured, on ordinary templates", () => {
    const cases: [string, string][] = [
      ["User <*> logged in from <*>", "User alice logged in from 10.0.0.1"],
      [
        "Failed password for <*> from <*> port <*> ssh2",
        "Failed password for invalid user admin from 1.2.3.4 port 22 ssh2",
      ],
      ["<*> <*> <*>", "one two three four five"],
      ["GET <*> HTTP/1.1 <*>", "GET /index.html?q=a+b HTTP/1.1 200"],
      ["Took <*> ms (<*>)", "Took 12.5 ms (cache miss)"],
      ["<*>:<*>:<*>", "a:b:c:d"],
      ["ERR <*> <*> <*> <*> <*> <*> <*> <*> END", "ERR 1 2 3 4 5 6 7 8 END"],
      ["ERR <*> <*> <*> <*> <*> <*> <*> <*> END", "ERR 1 2 3 4 5 6 7 END"],
      ["block <*> replicated to <*>", "block blk_1 replicated to 10.0.0.2:50010 and 10.0.0.3:50010"],
      ["no wildcards here", "no wildcards here"],
      ["no wildcards here", "no wildcards there"],
    ];
    for (const [template, message] of cases) {
      expect(matchTemplate(template, message), `${template} / ${message}`).toEqual(
        regexMatch(template, message),
      );
    }
  });

  it("agrees with the old regular expression on small random templates and lines", () => {
    // Few letters, so literals recur and lines often fit; short, so the regular expression stays fast.
    const piece = fc.string({ unit: fc.constantFrom("a", "b", " ", "."), maxLength: 4 });
    const template = fc.array(piece, { minLength: 1, maxLength: 5 }).map((parts) => parts.join("<*>"));
    const message = fc.string({ unit: fc.constantFrom("a", "b", " ", ".", "\n"), maxLength: 14 });
    // Lines built from the template with random values fit it, so captures are compared, not just nulls.
    const fitting = template.chain((t) =>
      fc
        .array(fc.string({ unit: fc.constantFrom("a", "b", " "), minLength: 1, maxLength: 4 }), {
          minLength: t.split("<*>").length - 1,
          maxLength: t.split("<*>").length - 1,
        })
        .map((values) => {
          const parts = t.split("<*>");
          return [t, parts.map((p, i) => p + (values[i] ?? "")).join("")] as const;
        }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.tuple(template, message), fitting), ([t, m]) => {
        expect(matchTemplate(t, m)).toEqual(regexMatch(t, m));
      }),
      { numRuns: 5000 },
    );
  });

  it("answers at once for long lines that almost fit (the regular expression backtracked for seconds)", () => {
    const started = performance.now();
    // 5 wildcards over 300 words: 15 to 30 s with the regular expression.
    expect(matchTemplate("ERR <*> <*> <*> <*> <*> END", numbered(300, "NOTEND"))).toBeNull();
    // 8 wildcards over 200 words, the shape of issue 49's evidence: no end in sight for the regular expression.
    const eight = "ERR <*> <*> <*> <*> <*> <*> <*> <*> END";
    for (let i = 0; i < 19; i++) expect(matchTemplate(eight, numbered(200, "NOTEND"))).toBeNull();
    expect(matchTemplate(eight, "ERR 1 2 3 4 5 6 7 8 END")).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
    // A long line that does fit: the last wildcard takes the rest.
    const fits = matchTemplate("ERR <*> <*> <*> <*> <*> END", numbered(300, "END"));
    expect(fits?.slice(0, 4)).toEqual(["0", "1", "2", "3"]);
    expect(fits?.[4]).toBe(Array.from({ length: 296 }, (_, i) => i + 4).join(" "));
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("matches a line of megabytes (too large for a regular expression)", () => {
    const line = `payload ${"x".repeat(12 * 1024 * 1024)} end`;
    expect(matchTemplate(line, line)).toEqual([]);
    expect(matchTemplate(line, `${line}!`)).toBeNull();
    expect(matchTemplate("payload <*> end", line)?.[0]?.length).toBe(12 * 1024 * 1024);
    expect(matchTemplate(`${line.slice(0, -4)}<*>`, line)).toEqual([" end"]);
  });
});
