import { describe, expect, it } from "vitest";
import { decodeLine, decodeLineWithFormat } from "../../../src/parsers/decoders/decode-line.js";

const ctx = { observedAt: "2026-01-10T00:00:00.000Z" };

describe("decodeLineWithFormat: format per line", () => {
  it.each([
    ["JSON object", '{"msg":"hi","level":"info"}', "json"],
    ["JSON with surrounding spaces", '  {"msg":"hi"}  ', "json"],
    ["JSON with CRLF", '{"msg":"hi"}\r', "json"],
    ["broken JSON is plain", '{"msg": "hi"', "plain"],
    ["braces but not JSON", "{not json}", "plain"],
    ["a JSON array is plain", "[1,2]", "plain"],
    ["RFC 5424", "<14>1 2026-01-01T00:00:00Z host app - - - hi", "syslog"],
    ["RFC 3164 with PRI", "<13>Jan  5 01:02:03 host app: hi", "syslog"],
    ["RFC 3164 file line", "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown", "syslog"],
    ["a month word that is not a date", "Mar is a short month name", "plain"],
    ["< not followed by a digit", "<html> a=1 b=2", "plain"],
    ["logfmt", 'level=info msg="user logged in" user=bob', "logfmt"],
    ["logfmt-looking syslog stays syslog", "Jan  5 01:02:03 host app: a=1 b=2", "syslog"],
    ["prose with an equals sign", "Failed password for root from 1.2.3.4 port=22", "plain"],
    ["plain with level", "2026-01-05 09:30:00 ERROR Something broke", "plain"],
    ["empty line", "", "plain"],
  ])("%s → %s", (_name, line, format) => {
    expect(decodeLineWithFormat(line, ctx).format).toBe(format);
  });
});

describe("decodeLine", () => {
  it("never throws and keeps the text of a failed JSON line", () => {
    const r = decodeLine('{"a": [1, 2', ctx);
    expect(r.body).toBe('{"a": [1, 2');
    expect(r.timestamp).toBe(ctx.observedAt);
  });

  it("drops a leading BOM and a trailing CR", () => {
    expect(decodeLine('\uFEFF{"msg":"x"}\r', ctx).body).toBe("x");
    expect(decodeLine("plain\r", ctx).body).toBe("plain");
  });

  it("U+FFFD from invalid UTF-8 passes through", () => {
    expect(decodeLine("bad \uFFFD byte", ctx).body).toBe("bad \uFFFD byte");
  });

  it("empty line: empty body at the observed time", () => {
    expect(decodeLine("", ctx)).toMatchObject({ body: "", timestamp: ctx.observedAt, severityNumber: 0 });
  });

  it("defaultService reaches every decoder", () => {
    const c = { ...ctx, defaultService: "svc" };
    for (const line of ['{"msg":"x"}', "<13>1 - h - - - - x", "a=1 b=2", "text"]) {
      expect(decodeLine(line, c).resource["service.name"]).toBe("svc");
    }
  });
});
