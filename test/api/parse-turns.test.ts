import { once } from "node:events";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PARSE_AHEAD_BYTES, ParseTurns, parseTurnsOf, TURN_LAPSES_MS } from "../../src/api/parse-turns.js";
import { ADMIN_TOKEN, auth, startTestServer, type TestServer } from "../helpers/runtime.js";

/** Whether a turn's `granted` has resolved, after the microtasks queued so far. */
async function isGranted(turn: { granted: Promise<void> }): Promise<boolean> {
  let done = false;
  void turn.granted.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("ParseTurns", () => {
  it("lets bodies be read while those ahead leave room, first come first served, a large one alone", async () => {
    const turns = new ParseTurns(100);
    const a = turns.take(60);
    const b = turns.take(30); // 90: fits beside a
    const c = turns.take(60); // 150: waits
    const d = turns.take(5); // would fit, but c came first
    expect([await isGranted(a), await isGranted(b), await isGranted(c), await isGranted(d)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect([turns.holding, turns.waiting]).toEqual([2, 2]);
    a.release();
    // 30 + 60 + 5 = 95: c and d both go.
    expect([await isGranted(c), await isGranted(d)]).toEqual([true, true]);
    b.release();
    c.release();
    d.release();
    d.release(); // twice is once
    expect([turns.holding, turns.waiting]).toEqual([0, 0]);
    // Larger than the room: taken when nothing else holds a turn, and nothing joins it.
    const big = turns.take(500);
    const small = turns.take(1);
    expect([await isGranted(big), await isGranted(small)]).toEqual([true, false]);
    big.release();
    expect(await isGranted(small)).toBe(true);
    small.release();
  });

  it("ends a turn that outlasts its lapse, so the next goes on", async () => {
    const turns = new ParseTurns(100, 300);
    const t0 = performance.now();
    const slow = turns.take(80);
    const next = turns.take(80);
    let grantedAt = 0;
    void next.granted.then(() => {
      grantedAt = performance.now();
    });
    await expect.poll(() => grantedAt, { timeout: 5_000, interval: 10 }).toBeGreaterThan(0);
    expect(grantedAt - t0).toBeGreaterThanOrEqual(290);
    slow.release(); // late: changes nothing
    expect([turns.holding, turns.waiting]).toEqual([1, 0]);
    next.release();
    expect([turns.holding, turns.waiting]).toEqual([0, 0]);
  });

  it("gives up the place of a request that leaves while it waits", async () => {
    const turns = new ParseTurns(100);
    const a = turns.take(80);
    const gone = turns.take(80);
    const next = turns.take(80);
    gone.release(); // the client went away: whoever awaited its turn goes on, and finds the request closed
    expect(await isGranted(gone)).toBe(true);
    expect([turns.holding, turns.waiting]).toEqual([1, 1]);
    a.release();
    expect(await isGranted(next)).toBe(true);
    next.release();
    expect([turns.holding, turns.waiting]).toEqual([0, 0]);
  });
});

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ndjson = (lines: number, from = 0) =>
  Array.from(
    { length: lines },
    (_, i) =>
      `${JSON.stringify({ timestamp: "2026-01-01T00:00:00Z", service: "api", level: "INFO", message: `request ${from + i} served` })}\n`,
  ).join("");

describe("POST /ingest takes parse turns", () => {
  it("reads a body once those ahead of it are answered; a stuck upload holds the others a lapse at most", async () => {
    // No wait bound: admission would refuse the large body at the rate the small ones measured. Bodies are
    // decoded on the event loop, where they count whole (a decode thread's count a quarter, below).
    server = await startTestServer({ INGEST_QUEUE_MAX_WAIT_SECS: "0", INGEST_DECODE_THREADS: "0" });
    const { app, rt } = server;
    const address = await app.listen({ port: 0, host: "127.0.0.1" });
    const port = Number(new URL(address).port);
    const turns = parseTurnsOf(rt);
    const post = (body: string) =>
      fetch(`${address}/ingest`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/x-ndjson" },
        body,
      });
    const rawPost = async (declaredBytes: number, body: string) => {
      const socket = connect(port, "127.0.0.1");
      await once(socket, "connect");
      socket.write(
        `POST /ingest HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${ADMIN_TOKEN}\r\n` +
          `content-type: application/x-ndjson\r\ncontent-length: ${declaredBytes}\r\n\r\n${body}`,
      );
      return socket;
    };

    // An upload that never finishes holds its turn until it lapses; the request after it is answered then.
    const stuck = await rawPost(PARSE_AHEAD_BYTES + 10, ndjson(2));
    await expect.poll(() => turns.holding).toBe(1);
    const t0 = performance.now();
    const first = await post(ndjson(3, 10));
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ ingested: 3 });
    expect(performance.now() - t0).toBeGreaterThan(TURN_LAPSES_MS * 0.8);
    stuck.destroy();

    // A client that leaves while it waits gives its place up.
    const holder = await rawPost(PARSE_AHEAD_BYTES + 10, "");
    await expect.poll(() => turns.holding).toBe(1);
    const leaver = await rawPost(50, "");
    await expect.poll(() => turns.waiting).toBe(1);
    leaver.destroy();
    await expect.poll(() => turns.waiting).toBe(0);
    holder.destroy();
    await expect.poll(() => [turns.holding, turns.waiting]).toEqual([0, 0]);

    // While a body larger than the room holds the only turn, the next waits unread, and is submitted
    // after the first. The first's submission waits until the next is seen waiting: answered on its own,
    // the first's 20,000 lines took more than the turn's lapse on a loaded CI machine, and the next was
    // let in without ever waiting.
    const pipeline = rt.pipeline;
    const taken: number[] = [];
    const submit = pipeline.submit.bind(pipeline);
    let nextSeenWaiting = () => {};
    const seen = new Promise<void>((resolve) => {
      nextSeenWaiting = resolve;
    });
    pipeline.submit = async (records, ...rest) => {
      taken.push(records.length);
      if (taken.length === 1) await seen;
      return submit(records, ...rest);
    };
    const bigLines = Math.ceil(PARSE_AHEAD_BYTES / ndjson(1).length) + 10;
    const big = post(ndjson(bigLines, 100));
    await expect.poll(() => turns.holding).toBe(1);
    const next = post(ndjson(4, 100_000));
    await expect.poll(() => turns.waiting).toBe(1);
    nextSeenWaiting();
    const [a, b] = await Promise.all([big, next]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(taken).toEqual([bigLines, 4]);
    await expect.poll(() => [turns.holding, turns.waiting]).toEqual([0, 0]);

    // Small bodies sent together are all read ahead of the pipeline and answered.
    const many = await Promise.all(Array.from({ length: 5 }, (_, k) => post(ndjson(10, 1000 + k * 10))));
    expect(many.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);

    // A body that is not NDJSON still gets its 400, and gives its turn back.
    const bad = await post("{not json\n");
    expect(bad.status).toBe(400);
    await expect.poll(() => [turns.holding, turns.waiting]).toEqual([0, 0]);
  });

  it("counts a body a decode thread will decode at a quarter of its bytes", async () => {
    server = await startTestServer({ INGEST_QUEUE_MAX_WAIT_SECS: "0", INGEST_DECODE_THREADS: "1" });
    const address = await server.app.listen({ port: 0, host: "127.0.0.1" });
    const turns = parseTurnsOf(server.rt);
    const sockets = [PARSE_AHEAD_BYTES + 10, PARSE_AHEAD_BYTES + 10].map((bytes) => {
      const socket = connect(Number(new URL(address).port), "127.0.0.1");
      socket.write(
        `POST /ingest HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${ADMIN_TOKEN}\r\n` +
          `content-type: application/x-ndjson\r\ncontent-length: ${bytes}\r\n\r\n`,
      );
      return socket;
    });
    // Two bodies larger than the room are read side by side: each counts a quarter.
    await expect.poll(() => [turns.holding, turns.waiting]).toEqual([2, 0]);
    for (const socket of sockets) socket.destroy();
    await expect.poll(() => [turns.holding, turns.waiting]).toEqual([0, 0]);
  });
});
