import { describe, expect, it } from "vitest";
import { sniffFormat } from "../../src/parsers/sniff-format.js";

describe("sniffFormat", () => {
  it.each([
    ['[{"message": "a"}, {"message": "b"}]', "json"],
    ['[\n  {\n    "message": "a"\n  }\n]', "json"],
    ["[]", "json"],
    ['["a", "b"]', "json"],
    ['{"logs": [{"message": "a"}]}', "json"],
    ['{\n  "logs": [\n    {"message": "a"}\n  ]\n}', "json"],
    ["{}", "lines"],
    ['{"message": "a"}\n{"message": "b"}', "lines"],
    ["[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties", "lines"],
    ["[2026-01-05 09:30:00] ERROR disk full\n[2026-01-05 09:30:01] INFO retry", "lines"],
    ["[INFO] server started", "lines"],
    ["{main} INFO server started", "lines"],
    ["Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure", "lines"],
    ['\ufeff  \n[{"message": "after a BOM and blank lines"}]', "json"],
  ])("%j is %s", (head, format) => {
    expect(sniffFormat(head)).toBe(format);
  });
});
