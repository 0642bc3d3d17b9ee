import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import amqp, { type ChannelModel } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sinkSchema } from "../../src/config/sink-schema.js";
import { toSinkAnomaly } from "../../src/sinks/payload.js";
import { RabbitmqSink } from "../../src/sinks/rabbitmq.js";
import { rabbitmqAvailable, TEST_RABBITMQ_URL } from "../helpers/rabbitmq.js";
import { item, storedAnomaly } from "./fixtures.js";

const available = await rabbitmqAvailable();
const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const exchange = `lw-test-x-${suffix}`;
const queue = `lw-test-q-${suffix}`;
let conn: ChannelModel;

function sink(extra: Record<string, unknown> = {}): RabbitmqSink {
  const config = sinkSchema.parse({ type: "rabbitmq", url: TEST_RABBITMQ_URL, exchange, queue, ...extra });
  if (config.type !== "rabbitmq") throw new Error("unexpected");
  return new RabbitmqSink("rabbitmq", config);
}

describe.skipIf(!available)("rabbitmq sink, against the real broker", () => {
  beforeAll(async () => {
    conn = await amqp.connect(TEST_RABBITMQ_URL);
  });

  afterAll(async () => {
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue).catch(() => {});
    await ch.deleteExchange(exchange).catch(() => {});
    await ch.deleteExchange(`${exchange}-nobody`).catch(() => {});
    await conn.close();
  });

  it("publishes persistent JSON messages with publisher confirms to the exchange and queue", async () => {
    const s = sink();
    const anomalies = [31, 32, 33].map((id) =>
      toSinkAnomaly(storedAnomaly({ id, severity: id === 33 ? "critical" : "high" })),
    );
    expect(await s.deliver(anomalies.map((a, i) => item(a, i + 1)))).toEqual([
      { ok: true },
      { ok: true },
      { ok: true },
    ]);
    await s.close();
    const ch = await conn.createChannel();
    const got = [];
    for (let i = 0; i < 3; i++) {
      const msg = await ch.get(queue, { noAck: true });
      if (!msg) throw new Error(`message ${i + 1} missing from ${queue}`);
      got.push(msg);
    }
    expect(await ch.get(queue)).toBe(false);
    await ch.close();
    expect(got.map((m) => JSON.parse(m.content.toString("utf8")).id)).toEqual([31, 32, 33]);
    expect(got[0]!.properties).toMatchObject({
      deliveryMode: 2,
      contentType: "application/json",
      type: "anomaly",
    });
    expect(got[0]!.fields).toMatchObject({ exchange, routingKey: "anomaly.high.error_burst" });
    expect(got[2]!.fields.routingKey).toBe("anomaly.critical.error_burst");
  });

  it("reports a message no queue receives as a retryable failure instead of losing it", async () => {
    const s = sink({ exchange: `${exchange}-nobody`, queue: undefined });
    const [outcome] = await s.deliver([item(toSinkAnomaly(storedAnomaly({ id: 34 })))]);
    expect(outcome).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringContaining("unroutable"),
    });
    await s.close();
  });

  it("keeps its connection when the channel setup fails after connecting, and retries on a new channel", async () => {
    // The exchange exists as fanout; the sink declares it as topic, which the broker refuses (406) on
    // the channel, after the connection is up.
    const clash = `${exchange}-clash`;
    const admin = await conn.createChannel();
    await admin.assertExchange(clash, "fanout", { durable: false, autoDelete: false });
    const proxy = await countingProxy(new URL(TEST_RABBITMQ_URL));
    const via = new URL(TEST_RABBITMQ_URL);
    via.host = `127.0.0.1:${proxy.port}`;
    const s = sink({ url: via.toString(), exchange: clash, queue: `${queue}-clash` });
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const [outcome] = await s.deliver([item(toSinkAnomaly(storedAnomaly({ id: 40 + attempt })))]);
        expect(outcome, `attempt ${attempt}`).toMatchObject({
          ok: false,
          retryable: true,
          error: expect.stringContaining("PRECONDITION_FAILED"),
        });
      }
      expect(proxy.accepted).toBe(1);
      expect(proxy.open()).toBe(1);
      // Once the clash is gone the next attempt succeeds, on the same connection.
      await admin.deleteExchange(clash);
      expect(await s.deliver([item(toSinkAnomaly(storedAnomaly({ id: 44 })))])).toEqual([{ ok: true }]);
      const got = await admin.get(`${queue}-clash`, { noAck: true });
      expect(got && JSON.parse(got.content.toString("utf8")).id).toBe(44);
      expect(proxy.accepted).toBe(1);
    } finally {
      await s.close();
      await admin.deleteQueue(`${queue}-clash`).catch(() => {});
      await admin.deleteExchange(clash).catch(() => {});
      await admin.close().catch(() => {});
      await proxy.close();
    }
  });

  it("reports an unreachable broker as a retryable failure", async () => {
    const config = sinkSchema.parse({
      type: "rabbitmq",
      url: "amqp://guest:guest@127.0.0.1:1/",
      timeoutMs: 1000,
    });
    if (config.type !== "rabbitmq") throw new Error("unexpected");
    const s = new RabbitmqSink("rabbitmq", config);
    const [outcome] = await s.deliver([item(toSinkAnomaly(storedAnomaly()))]);
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    await s.close();
  });
});

/**
 * A TCP relay on 127.0.0.1 in front of the real broker that counts the connections made through it: how
 * the test sees whether the sink opened one connection or one per attempt.
 */
async function countingProxy(
  broker: URL,
): Promise<{ port: number; accepted: number; open(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { accepted: 0 };
  const server: Server = createServer((client) => {
    state.accepted++;
    const upstream = tcpConnect(Number(broker.port || 5672), broker.hostname);
    sockets.add(client);
    const drop = () => {
      sockets.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    port: address.port,
    get accepted() {
      return state.accepted;
    },
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
