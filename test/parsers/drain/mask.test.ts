import { describe, expect, it } from "vitest";
import { maskToken, paramType } from "../../../src/parsers/drain/mask.js";

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
