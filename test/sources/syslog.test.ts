import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSources, startSources } from "../../src/runtime/source-runner.js";
import { SyslogSource } from "../../src/sources/syslog/index.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { asTableRow, storedWith } from "../helpers/stored-logs.js";
import { waitFor } from "../helpers/wait.js";

const run = promisify(execFile);

let server: TestServer;
let running: RunningSources;
let source: SyslogSource;

beforeAll(async () => {
  server = await startTestServer();
  source = new SyslogSource("syslog", {
    type: "syslog",
    port: 0,
    host: "127.0.0.1",
    protocols: ["udp", "tcp"],
    maxMessageBytes: 64 * 1024,
    maxConnections: 1_000,
    idleTimeoutSecs: 600,
  });
  running = await startSources(server.rt, [source]);
});

afterAll(async () => {
  await running?.stop();
  await server?.close();
});

async function rows(marker: string) {
  return (await storedWith(server.rt.logs, marker)).map(asTableRow);
}

/** The real util-linux `logger` client, as operators use it. */
async function logger(args: string[]): Promise<void> {
  await run("logger", ["-n", "127.0.0.1", ...args]);
}

describe("syslog source with util-linux logger", () => {
  it("receives RFC 5424 and RFC 3164 over UDP", async () => {
    const { udp } = source.ports();
    await logger([
      "-P",
      String(udp),
      "-d",
      "--rfc5424",
      "-t",
      "payments",
      "-p",
      "auth.err",
      "udp5424 card declined",
    ]);
    await logger([
      "-P",
      String(udp),
      "-d",
      "--rfc3164",
      "-t",
      "sshd",
      "-i",
      "udp3164 Failed password for root",
    ]);
    const got = await waitFor(async () => {
      const r = [...(await rows("udp5424")), ...(await rows("udp3164"))];
      return r.length === 2 ? r : null;
    }, "two UDP syslog records");
    const [a, b] = got;
    expect(a).toMatchObject({
      service: "payments",
      level: "err",
      message: "udp5424 card declined",
      severity_number: 17,
    });
    expect(JSON.parse(a!.metadata)).toMatchObject({ "syslog.facility": "auth", "network.transport": "udp" });
    // The sender is where the line came from, not who the event is about: no finding may name it.
    expect(JSON.parse(a!.metadata)["network.peer.address"]).toBe("127.0.0.1");
    expect(JSON.parse(a!.metadata)["client.address"]).toBeUndefined();
    expect(b).toMatchObject({ service: "sshd", message: "udp3164 Failed password for root" });
    expect(JSON.parse(b!.metadata)["process.pid"]).toEqual(expect.any(Number));
    expect(a!.host).not.toBeNull();
  });

  it("receives TCP with newline framing and with octet counting, in both formats", async () => {
    const { tcp } = source.ports();
    const port = String(tcp);
    await logger(["-P", port, "-T", "--rfc5424", "-t", "api", "tcp-nl-5424 upstream timeout"]);
    await logger(["-P", port, "-T", "--rfc3164", "-t", "api", "tcp-nl-3164 upstream timeout"]);
    await logger([
      "-P",
      port,
      "-T",
      "--octet-count",
      "--rfc5424",
      "-t",
      "api",
      "tcp-oc-5424 upstream timeout",
    ]);
    await logger([
      "-P",
      port,
      "-T",
      "--octet-count",
      "--rfc3164",
      "-t",
      "api",
      "tcp-oc-3164 upstream timeout",
    ]);
    const got = await waitFor(async () => {
      const r = await rows("upstream timeout");
      return r.length === 4 ? r : null;
    }, "four TCP syslog records");
    expect(got.map((r) => r.message).sort()).toEqual([
      "tcp-nl-3164 upstream timeout",
      "tcp-nl-5424 upstream timeout",
      "tcp-oc-3164 upstream timeout",
      "tcp-oc-5424 upstream timeout",
    ]);
    for (const r of got) {
      expect(r.service).toBe("api");
      expect(JSON.parse(r.metadata)["network.transport"]).toBe("tcp");
    }
  });

  it("reads several messages from one TCP connection, in order", async () => {
    const { tcp } = source.ports();
    const { spawn } = await import("node:child_process");
    // logger reads stdin line by line and sends each as a message over the same connection.
    const child = spawn("logger", [
      "-n",
      "127.0.0.1",
      "-P",
      String(tcp),
      "-T",
      "--octet-count",
      "-t",
      "batch",
    ]);
    for (let i = 1; i <= 50; i++) child.stdin.write(`multi-${String(i).padStart(3, "0")} line\n`);
    child.stdin.end();
    await new Promise((r) => child.on("close", r));
    const got = await waitFor(async () => {
      const r = await rows("multi-");
      return r.length === 50 ? r : null;
    }, "50 records from one connection");
    expect(got.map((r) => r.message)).toEqual(
      Array.from({ length: 50 }, (_, i) => `multi-${String(i + 1).padStart(3, "0")} line`),
    );
  });
});
