import { describe, expect, it } from "vitest";
import { ipv4At, maskToken, paramType, paramTypeAt, uuidAt } from "../../../src/parsers/drain/mask.js";

describe("maskToken", () => {
  // token → shape: each row is a kind of variable the masker must handle without per-source rules.
  const golden: [string, string][] = [
    ["terminating", "terminating"],
    ["42", "<*>"],
    ["-42", "<*>"],
    ["3.14", "<*>.<*>"],
    ["blk_-6952295868487656571", "blk_<*>"],
    ["10.251.73.220:50010", "<*>:<*>"],
    ["/10.250.19.102:54106", "/<*>:<*>"],
    ["173.234.31.186", "<*>"],
    ["[173.234.31.186]", "[<*>]"],
    ["uid=0", "uid=<*>"],
    ["(HWID=1973)", "(HWID=<*>)"],
    ["0x14ed93111f20027", "<*>"],
    ["0245a2d8", "<*>"],
    ["550e8400-e29b-41d4-a716-446655440000", "<*>"],
    ["FF:F2:9F:16:E5:8C", "<*>"],
    ["appattempt_1445144423722_0020_000001", "appattempt_<*>"],
    ["attempt_1445144423722_0020_m_000005_0", "attempt_<*>"],
    ["node-246", "node-<*>"],
    ["ssh2", "ssh<*>"],
    ["100ms", "<*>ms"],
    ["15:16:01", "<*>:<*>:<*>"],
    ["hdfs://msra-sa-41:9000/pageinput2.txt:0+134217728", "hdfs://<*>"],
    [":[akka.tcp://sparkExecutorActorSystem@host:36578]", ":[akka.tcp://<*>]"],
    ["/mnt/hadoop/dfs/data/current/subdir26/blk_-1234", "/<*>/blk_<*>"],
    ["/user/root/rand/_temporary/_task_200811092030_0001_m_000295_0/part-00295.", "/<*>/part-<*>."],
    ["/etc/httpd/conf/workers.properties", "/etc/httpd/conf/workers.properties"],
  ];
  it.each(golden)("%s → %s", (token, shape) => {
    expect(maskToken(token)).toBe(shape);
  });
});

describe("paramType", () => {
  const golden: [string, string | null][] = [
    ["42", "num"],
    ["-3.5", "num"],
    ["10.1.2.3", "ip"],
    ["0x1f", "hex"],
    ["0245a2d8", "hex"],
    ["550e8400-e29b-41d4-a716-446655440000", "uuid"],
    ["/var/log/x.log", "path"],
    ["http://example.com/a", "url"],
    ["15:16:01", "time"],
    ["webmaster", null],
  ];
  it.each(golden)("%s is %s", (value, type) => {
    expect(paramType(value)).toBe(type);
  });
});

/**
 * `paramType` as it read a value string before the miner typed values on the line's char codes
 * (`paramTypeAt`): the reference the differential test below compares with.
 */
function referenceParamType(value: string): string | null {
  const codes = Uint16Array.from(value, (ch) => ch.charCodeAt(0));
  const n = value.length;
  if (n === 0) return null;
  const c0 = value.charCodeAt(0);
  let digits = 0;
  while (digits < n && value.charCodeAt(digits) >= 48 && value.charCodeAt(digits) <= 57) digits++;
  if (digits === n) return "num";
  let hexLetters = 0;
  let others = 0;
  let dots = 0;
  let colons = 0;
  let dashes = 0;
  let slashes = 0;
  for (let i = digits; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if ((c >= 65 && c <= 70) || (c >= 97 && c <= 102)) hexLetters++;
    else if (c === 46) dots++;
    else if (c === 58) colons++;
    else if (c === 45 || c === 43) dashes++;
    else {
      others++;
      if (c === 47) slashes++;
    }
  }
  if (colons > 0 && slashes > 0 && value.indexOf("://") > 0) return "url";
  if (c0 === 47 && n > 1) return ipv4At(codes, 1, n) ? "ip" : "path";
  if (dots === 3 && ipv4At(codes, 0, n) === n) return "ip";
  if (n === 36 && dashes === 4 && uuidAt(codes, 0, n) === 36) return "uuid";
  if (digits === 0) return null;
  if (others === 0 && hexLetters === 0) {
    if (colons >= 1 && dots <= 1 && digits >= 4) return "time";
    if (dashes >= 2 && digits >= 6) return "time";
    if (colons === 0 && dots <= 1 && dashes <= 1) return "num";
  }
  if (others === 0 && colons === 0 && dots === 0) {
    if (c0 === 48 && n > 2 && (value.charCodeAt(1) | 32) === 120) return "hex";
    if (hexLetters > 0 && dashes === 0) return "hex";
  }
  if (c0 === 48 && n > 1 && (value.charCodeAt(1) === 120 || value.charCodeAt(1) === 88)) return "hex";
  return null;
}

describe("paramTypeAt", () => {
  it("types a span of char codes as the string reference types the same value, wherever the span sits", () => {
    // Values built from the chars the rules count (digits, hex letters, . : - + / and others), with a
    // fixed-seed generator: short ones hit every rule's edge, long ones the IP, UUID and URL forms.
    const alphabet = "0123456789abcdefxXAFz.:-+/_ ";
    const seeds = [
      "://",
      "0x",
      "1.2.3.4",
      "/1.2.3.4",
      "550e8400-e29b-41d4-a716-446655440000",
      "a://b",
      "://a",
    ];
    let state = 12345;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 8;
    };
    const values: string[] = [...seeds, ""];
    for (let i = 0; i < 20_000; i++) {
      const len = 1 + (next() % (i % 4 === 0 ? 40 : 8));
      let v = "";
      for (let k = 0; k < len; k++) v += alphabet[next() % alphabet.length];
      if (i % 7 === 0) v = seeds[next() % seeds.length]! + v;
      values.push(v);
    }
    let differing = 0;
    for (const v of values) {
      // Inside a longer line: the rules must not read outside the span.
      const line = `9:/${v}/9.`;
      const codes = Uint16Array.from(line, (ch) => ch.charCodeAt(0));
      const expected = referenceParamType(v);
      if (paramTypeAt(codes, 3, 3 + v.length) !== expected || paramType(v) !== expected) differing++;
    }
    expect(differing).toBe(0);
  });
});
