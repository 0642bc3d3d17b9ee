import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { withdrawToken } from "../../src/service/tokens.js";
import { openConfiguredStore } from "../../src/store/db.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

// Issue 49 item 5: an event stream and its unused tickets end with the token that minted them.

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function start(): Promise<{ s: TestServer; base: string }> {
  const s = await startTestServer({ ERROR_BURST_THRESHOLD: "3" });
  server = s;
  await s.app.listen({ port: 0, host: "127.0.0.1" });
  const address = s.app.server.address();
  return { s, base: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}` };
}

async function createToken(s: TestServer, name: string): Promise<{ id: number; token: string }> {
  const res = await s.app.inject({
    method: "POST",
    url: "/api/v1/tokens",
    headers: auth,
    payload: { name, scopes: ["read"] },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function ticketFor(s: TestServer, token: string): Promise<string> {
  const res = await s.app.inject({ method: "POST", url: "/api/v1/events/ticket", headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().ticket;
}

async function revokeViaApi(s: TestServer, id: number): Promise<void> {
  const res = await s.app.inject({ method: "DELETE", url: `/api/v1/tokens/${id}`, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
}

async function ingestBurst(s: TestServer, service: string): Promise<void> {
  const logs = Array.from({ length: 4 }, (_, i) => ({
    timestamp: `2025-04-03T14:22:0${i}Z`,
    service,
    level: "ERROR",
    message: `invalid password for user${i} from 10.0.0.${i}`,
  }));
  const res = await s.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: logs });
  expect(res.statusCode, res.body).toBe(200);
}

interface Stream {
  events: unknown[];
  /** Resolves with Date.now() when the server ends the stream. */
  ended: Promise<number>;
  isOpen(): boolean;
  destroy(): void;
}

/** Opens the stream over a real socket; resolves once the server said `: connected`. */
function openStream(base: string, ticket: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    let open = true;
    let onEnd!: (at: number) => void;
    const ended = new Promise<number>((r) => {
      onEnd = r;
    });
    const events: unknown[] = [];
    const req = httpRequest(`${base}/api/v1/events?ticket=${ticket}`, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.includes(": connected")) {
            resolve({ events, ended, isOpen: () => open, destroy: () => req.destroy() });
          }
          const data = /^event: anomaly\ndata: (.*)$/m.exec(block)?.[1];
          if (data) events.push(JSON.parse(data));
        }
      });
      res.on("end", () => {
        open = false;
        onEnd(Date.now());
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** Milliseconds from `since` until `stream` ended, or a failure after `limitMs`. */
async function closeLatency(stream: Stream, since: number, limitMs: number): Promise<number> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`stream still open after ${limitMs} ms`)), limitMs).unref(),
  );
  return (await Promise.race([stream.ended, timeout])) - since;
}

async function until(check: () => boolean, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("event streams end with their token", () => {
  it("revoking through the API ends the token's stream within 1 s and voids its tickets; others keep streaming", async () => {
    const { s, base } = await start();
    const doomed = await createToken(s, "dashboard-a");
    const kept = await createToken(s, "dashboard-b");
    const doomedStream = await openStream(base, await ticketFor(s, doomed.token));
    const keptStream = await openStream(base, await ticketFor(s, kept.token));
    const spareTicket = await ticketFor(s, doomed.token);

    const revokedAt = Date.now();
    await revokeViaApi(s, doomed.id);
    const latency = await closeLatency(doomedStream, revokedAt, 1_000);
    console.log(`in-process revocation: stream ended after ${latency} ms`);
    expect(latency).toBeLessThan(1_000);

    // (b) minted before the revocation, refused after it.
    const late = await s.app.inject({ url: `/api/v1/events?ticket=${spareTicket}` });
    expect(late.statusCode).toBe(401);

    // (d) the other token's stream is still open and still receives.
    expect(keptStream.isOpen()).toBe(true);
    await ingestBurst(s, "auth");
    await until(() => keptStream.events.length > 0, 5_000);
    expect(keptStream.events[0]).toMatchObject({ detector: "error_burst", service: "auth" });
    expect(doomedStream.events).toEqual([]);
    keptStream.destroy();
  });

  it("revoking from another process (the CLI on the same database) ends the stream within about 1 s", async () => {
    const { s, base } = await start();
    const doomed = await createToken(s, "dashboard-a");
    const kept = await createToken(s, "dashboard-b");
    const doomedStream = await openStream(base, await ticketFor(s, doomed.token));
    const keptStream = await openStream(base, await ticketFor(s, kept.token));
    const spareTicket = await ticketFor(s, doomed.token);

    // What `logwarden token revoke` does: its own store on the same file, so no in-process signal.
    const other = openConfiguredStore(s.rt.config);
    const revokedAt = Date.now();
    try {
      await withdrawToken(other.db, { id: doomed.id, actor: "cli:test" });
    } finally {
      await other.close();
    }
    // The redemption re-checks the token at once, without waiting for the poll.
    expect((await s.app.inject({ url: `/api/v1/events?ticket=${spareTicket}` })).statusCode).toBe(401);

    const latency = await closeLatency(doomedStream, revokedAt, 2_000);
    console.log(`cross-process revocation: stream ended after ${latency} ms`);
    expect(latency).toBeLessThan(2_000);

    // Several poll rounds later the unrevoked token's stream is still open and receiving.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(keptStream.isOpen()).toBe(true);
    await ingestBurst(s, "auth");
    await until(() => keptStream.events.length > 0, 5_000);
    keptStream.destroy();
  });
});
