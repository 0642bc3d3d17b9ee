import dgram from "node:dgram";
import { once } from "node:events";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSources, startSources } from "../../src/runtime/source-runner.js";
import { SyslogSource } from "../../src/sources/syslog/index.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { storedWith } from "../helpers/stored-logs.js";
import { waitFor } from "../helpers/wait.js";

const MAX_MESSAGE_BYTES = 1_024;
const MAX_CONNECTIONS = 3;
const IDLE_TIMEOUT_SECS = 1;

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
    maxMessageBytes: MAX_MESSAGE_BYTES,
    maxConnections: MAX_CONNECTIONS,
    idleTimeoutSecs: IDLE_TIMEOUT_SECS,
  });
  running = await startSources(server.rt, [source]);
});

afterAll(async () => {
  await running?.stop();
  await server?.close();
});

async function stored(marker: string): Promise<string[]> {
  return (await storedWith(server.rt.logs, marker)).map((r) => r.message);
}

async function connect(): Promise<net.Socket> {
  const socket = net.connect(source.ports().tcp!, "127.0.0.1");
  socket.on("error", () => {});
  await once(socket, "connect");
  return socket;
}

describe("syslog source limits", () => {
  it("cuts a UDP datagram longer than maxMessageBytes, as it cuts a TCP frame", async () => {
    const udp = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) =>
      udp.send(`limits-udp-cut ${"u".repeat(5_000)}`, source.ports().udp!, "127.0.0.1", (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    udp.close();
    const [message] = await waitFor(async () => {
      const got = await stored("limits-udp-cut");
      return got.length === 1 ? got : null;
    }, "the cut datagram stored");
    expect(Buffer.byteLength(message!)).toBe(MAX_MESSAGE_BYTES);
    expect(source.truncatedMessages).toBe(1);
  });

  it("closes a connection past maxConnections at once, and counts it", async () => {
    const open = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => connect()));
    const extra = await connect();
    await once(extra, "close");
    expect(source.refusedConnections).toBe(1);
    for (const s of open) s.destroy();
    // The server sees those closes a moment later; until then a new connection is still one too many.
    await waitFor(async () => {
      const probe = await connect();
      const closed = await Promise.race([
        once(probe, "close").then(() => true),
        sleep(100).then(() => false),
      ]);
      probe.destroy();
      return !closed;
    }, "a free connection slot again");
  });

  it("closes a connection idle for idleTimeoutSecs, half-sent frame and all, and keeps serving others", async () => {
    const before = source.idleConnectionsClosed;
    const half = await connect();
    half.write("500 <13>Oct 11 22:14:15 host app: limits-half never finished");
    const t0 = performance.now();
    await once(half, "close");
    const secs = (performance.now() - t0) / 1000;
    expect(secs).toBeGreaterThan(IDLE_TIMEOUT_SECS * 0.9);
    expect(secs).toBeLessThan(IDLE_TIMEOUT_SECS + 5);
    expect(source.idleConnectionsClosed).toBe(before + 1);
    expect(await stored("limits-half")).toEqual([]);

    const good = await connect();
    good.end("<13>Oct 11 22:14:15 host app: limits-after-idle fine\n");
    await waitFor(async () => (await stored("limits-after-idle")).length === 1, "a later line stored");
  });
});
