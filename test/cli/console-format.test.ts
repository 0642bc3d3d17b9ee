import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger, resolveLogFormat } from "../../src/telemetry/logger.js";
import { prettyLine } from "../../src/telemetry/pretty.js";
import { startServe } from "../helpers/cli.js";
import { waitFor } from "../helpers/wait.js";

const dir = mkdtempSync(join(tmpdir(), "lw-console-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Logs through a real logger into a real file and returns what reached it. */
async function logToFile(format: "json" | "pretty", write: (log: ReturnType<typeof createLogger>) => void) {
  const file = join(dir, `${format}-${Math.random().toString(36).slice(2)}.log`);
  const fd = openSync(file, "w");
  const log = createLogger("info", fd, format);
  write(log);
  await new Promise<void>((done) => log.flush(() => done()));
  // The destination writes asynchronously: on a loaded machine the line can land after flush's callback,
  // so wait for it before closing the descriptor (closing first made the late write fail with EBADF).
  const text = await waitFor(() => {
    const t = readFileSync(file, "utf8");
    return t.endsWith("\n") ? t : null;
  }, `a log line in ${file}`);
  closeSync(fd);
  return text;
}

describe("the console's pretty format", () => {
  it("writes one line: time, level, message, key=value fields, no pid or hostname", () => {
    const json = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 10, 22, 21, 5, 9, 42),
      pid: 7,
      hostname: "vm",
      reqId: "r-1",
      method: "GET",
      url: "/api/v1/anomalies?limit=2",
      status: 200,
      models: ["a", "b"],
      msg: "request",
    });
    expect(prettyLine(json, false)).toBe(
      '21:05:09.042Z WARN  request method=GET url="/api/v1/anomalies?limit=2" status=200 models=["a","b"] reqId=r-1\n',
    );
    expect(prettyLine(json, true)).toContain("\u001b[33mWARN");
  });

  it("shows an error's message, and its stack only from level error up", () => {
    const err = { type: "Error", message: "disk full", stack: "Error: disk full\n    at write (x.js:1:1)" };
    const warn = prettyLine(JSON.stringify({ level: 40, time: 0, err, msg: "retrying" }), false);
    expect(warn).toBe('00:00:00.000Z WARN  retrying err="disk full"\n');
    const error = prettyLine(JSON.stringify({ level: 50, time: 0, err, msg: "shutdown failed" }), false);
    expect(error.split("\n")[0]).toBe('00:00:00.000Z ERROR shutdown failed err="disk full"');
    expect(error).toContain("\n    Error: disk full\n        at write (x.js:1:1)");
  });

  it("shows escape sequences from logged data escaped, its own colours still working", () => {
    const json = JSON.stringify({
      level: 40,
      time: 0,
      msg: "bad line \u001b]0;pwned\u0007 from source",
      line: "\u001b[2K\rfake",
      peer: "a\u009bb",
      err: { message: "cannot parse \u001b[31mred" },
    });
    const plain = prettyLine(json, false);
    expect(plain).toBe(
      '00:00:00.000Z WARN  bad line \\x1b]0;pwned\\x07 from source err="cannot parse \\u001b[31mred" line="\\u001b[2K\\rfake" peer=a\\x9bb\n',
    );
    const coloured = prettyLine(json, true);
    // The only ESC bytes left are the line's own SGR colours.
    const sgr = new RegExp(`${String.fromCharCode(0x1b)}\\[\\d+m`, "g");
    expect(coloured.replace(sgr, "")).toBe(plain);
    expect(coloured).toContain("\u001b[33mWARN");
  });

  it("auto is pretty on a terminal and JSON anywhere else; json and pretty are kept", () => {
    expect(resolveLogFormat("auto", true)).toBe("pretty");
    expect(resolveLogFormat("auto", false)).toBe("json");
    expect(resolveLogFormat("json", true)).toBe("json");
    expect(resolveLogFormat("pretty", false)).toBe("pretty");
  });

  it("writes a key once when a child logger is bound to it and the call repeats it", async () => {
    const text = await logToFile("json", (log) =>
      log.child({ component: "triage", stage: "normalizer" }).info({ stage: "normalizer", queue: "q" }, "up"),
    );
    expect(text.match(/"stage"/g)).toHaveLength(1);
    expect(JSON.parse(text)).toMatchObject({
      component: "triage",
      stage: "normalizer",
      queue: "q",
      msg: "up",
    });
    const pretty = await logToFile("pretty", (log) => log.child({ stage: "s" }).info({ stage: "s" }, "up"));
    expect(pretty).toMatch(/^\d\d:\d\d:\d\d\.\d{3}Z INFO {2}up stage=s\n$/);
  });
});

describe("logwarden serve's console", () => {
  it("is JSON on a pipe, with one request line per request and nothing per record", async () => {
    const serve = await startServe({ DATA_DIR: join(dir, "json"), API_TOKEN: "console-test-token" });
    try {
      const headers = { authorization: "Bearer console-test-token", "content-type": "application/json" };
      const body = JSON.stringify(
        Array.from({ length: 200 }, (_, i) => ({ message: `user ${i} logged in` })),
      );
      expect((await fetch(`${serve.url}/ingest`, { method: "POST", headers, body })).status).toBe(200);
      expect((await fetch(`${serve.url}/incidents?limit=1`, { headers })).status).toBe(200);
      await waitFor(() => serve.stderr().includes('"url":"/incidents?limit=1"'), "the request line");
    } finally {
      await serve.stop("SIGTERM");
    }
    const lines = serve.stderr().trim().split("\n");
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = entries.filter((e) => e.msg === "request");
    expect(requests.map((e) => [e.method, e.url, e.status])).toEqual([
      ["POST", "/ingest", 200],
      ["GET", "/incidents?limit=1", 200],
    ]);
    for (const r of requests) expect(r.ms).toEqual(expect.any(Number));
    expect(entries.filter((e) => e.msg === "incoming request" || e.msg === "request completed")).toEqual([]);
    // A start, two requests and a stop: a few lines, not one per record.
    expect(lines.length).toBeLessThan(40);
  }, 60_000);

  it("is pretty with LOG_FORMAT=pretty", async () => {
    const forced = await startServe({ DATA_DIR: join(dir, "forced"), LOG_FORMAT: "pretty" });
    await forced.stop("SIGTERM");
    expect(forced.stderr()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}Z INFO {2}Server listening on port \d+/m);
    expect(forced.stderr()).not.toMatch(/"level":/);
  }, 60_000);
});
