import { randomUUID } from "node:crypto";
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from "amqplib";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { systemClock } from "../../src/core/clock.js";
import type { LogRecord } from "../../src/core/log-record.js";
import { declarePartitionQueues } from "../../src/distribution/broker.js";
import { DEAD_LETTER_HEADERS, type DeadLetterReason } from "../../src/distribution/dead-letters.js";
import { encodeHandoff } from "../../src/distribution/handoff-codec.js";
import { HandoffPublisher } from "../../src/distribution/handoff-publisher.js";
import { PartitionLeases } from "../../src/distribution/leases.js";
import { deadLetterQueue, keyedHandoffId, partitionQueue } from "../../src/distribution/partition-key.js";
import {
  MAX_BATCH_FAILURES,
  MAX_REDELIVERIES,
  PartitionWorker,
} from "../../src/distribution/partition-worker.js";
import { SuppressionList } from "../../src/pipeline/suppressions.js";
import { logsTableStore } from "../../src/store/logs-table-store.js";
import { deletePartitionQueues, rabbitmqAvailable, TEST_RABBITMQ_URL } from "../helpers/rabbitmq.js";
import { postgresAvailable, postgresTestStore, type TestStore } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Issue 45 item 4 on one partition worker, against the real RabbitMQ and PostgreSQL: a consumer channel
 * the broker closes is opened again on the same connection, and a message delivered too often goes to the
 * dead-letter queue instead of being taken.
 */

const available = (await rabbitmqAvailable()) && (await postgresAvailable());
if (!available)
  console.warn(
    "[skip] partition worker broker faults: needs RabbitMQ at TEST_RABBITMQ_URL and PostgreSQL at TEST_DATABASE_URL",
  );

interface Opened {
  prefix: string;
  worker: PartitionWorker;
  store: TestStore;
  /** Every channel the worker opened on its connection, in order. */
  channels: Channel[];
  conn: ChannelModel;
  deadLetters: DeadLetterReason[];
  logs: Record<string, unknown>[];
}

const opened: Opened[] = [];

afterAll(async () => {
  for (const o of opened) {
    await o.worker.stop().catch(() => {});
    await o.conn.close().catch(() => {});
    await deletePartitionQueues(o.prefix, 1).catch(() => {});
    await o.store.cleanup().catch(() => {});
  }
});

/** A migrated schema, partition 0's lease, its queues, and a worker for it (attached when `attach`). */
async function openWorker(attach = true, env: Record<string, string> = {}): Promise<Opened> {
  const prefix = `lw_pw_${process.pid}_${Math.random().toString(36).slice(2, 8)}.`;
  const store = await postgresTestStore();
  const config = loadConfig({
    env: { CLUSTER_PARTITIONS: "1", CLUSTER_QUEUE_PREFIX: prefix, LOG_STORE: "table", ...env },
  });
  const leases = new PartitionLeases(store.store.db, "worker-test", 1, 600_000);
  await leases.register();
  const [lease] = await leases.claim(1);
  const conn = await amqp.connect(TEST_RABBITMQ_URL);
  await declarePartitionQueues(conn, config.cluster);
  const channels: Channel[] = [];
  const createChannel = conn.createChannel.bind(conn);
  conn.createChannel = async () => {
    const ch = await createChannel();
    channels.push(ch);
    return ch;
  };
  const logs: Record<string, unknown>[] = [];
  const log = pino(
    { level: "info" },
    { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const deadLetters: DeadLetterReason[] = [];
  const worker = new PartitionWorker(
    lease!,
    {
      config,
      store: store.store,
      logs: logsTableStore(store.store),
      clock: systemClock,
      log,
      leases,
      onAnomalies: () => {},
      suppressions: new SuppressionList(),
      onBatch: () => {},
      onDeadLetter: (reason) => deadLetters.push(reason),
    },
    () => {},
  );
  await worker.start();
  if (attach) await worker.attach(conn);
  const o = { prefix, worker, store, channels, conn, deadLetters, logs };
  opened.push(o);
  return o;
}

function record(body: string): LogRecord {
  const at = new Date(Date.UTC(2026, 10, 28, 12)).toISOString();
  return {
    timestamp: at,
    observedTimestamp: at,
    severityText: "INFO",
    severityNumber: 9,
    body,
    attributes: {},
    resource: { "service.name": "worker-test" },
  } as LogRecord;
}

/** Publishes a hand-off of `bodies` to partition 0 of `prefix`, confirmed, as the hand-off publisher does. */
async function publish(
  prefix: string,
  content: Buffer,
  headers: Record<string, unknown> = {},
  messageId: string = randomUUID(),
): Promise<string> {
  const conn = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(partitionQueue(prefix, 0), content, { persistent: true, messageId, headers });
    await ch.waitForConfirms();
    return messageId;
  } finally {
    await conn.close();
  }
}

async function storedBodies(o: Opened): Promise<string[]> {
  const { rows } = await sql<{ message: string }>`select message from logs order by id`.execute(
    o.store.store.db,
  );
  return rows.map((r) => r.message);
}

/** Publishes a one-record hand-off and waits until the worker has stored it. */
async function publishStored(o: Opened, body: string): Promise<void> {
  await publish(o.prefix, encodeHandoff([record(body)]));
  await waitFor(async () => (await storedBodies(o)).includes(body), `"${body}" stored`);
}

/** Waits until the worker consumes again; the warning it logged when its consumer went. */
async function consumingAgain(o: Opened): Promise<Record<string, unknown> | undefined> {
  await waitFor(
    () => o.logs.some((l) => l.msg === "partition consumer attached again"),
    "the worker consuming again",
    10_000,
  );
  return o.logs.find((l) => String(l.msg).startsWith("broker closed the partition's consumer channel"));
}

describe.skipIf(!available)("a partition worker when the broker closes its consumer channel", () => {
  it("consumes again on a new channel of the same connection and stores what is published afterwards", async () => {
    const o = await openWorker();
    await publishStored(o, "before the close");
    expect(o.channels).toHaveLength(1);

    // Acknowledging a delivery tag the channel never had: the broker closes the channel (406
    // PRECONDITION_FAILED, "unknown delivery tag") and leaves the connection open.
    const consumer = o.channels[0]!;
    const closed = new Promise<void>((resolve) => consumer.once("close", () => resolve()));
    consumer.ack({ fields: { deliveryTag: 999_999 } } as ConsumeMessage);
    await closed;

    await waitFor(() => o.channels.length >= 2, "a new consumer channel", 10_000);
    const warned = await consumingAgain(o);
    expect(warned).toMatchObject({ partition: 0, retry_ms: 500 });
    expect(String(warned?.err)).toMatch(/PRECONDITION_FAILED|unknown delivery tag/);

    await publishStored(o, "after the close");
    expect(await storedBodies(o)).toEqual(["before the close", "after the close"]);
    // The connection stayed: the worker's new channel is on it, and nothing was dead-lettered.
    expect(o.deadLetters).toEqual([]);
  }, 30_000);
});

describe.skipIf(!available)("a partition worker whose consumer the broker cancels", () => {
  it("declares its queue again, consumes on a new channel and stores what is published afterwards", async () => {
    const o = await openWorker();
    await publishStored(o, "before the cancel");
    // Deleting the queue under the consumer: the broker cancels it (basic.cancel) and keeps the channel.
    const admin = await amqp.connect(TEST_RABBITMQ_URL);
    try {
      const ch = await admin.createChannel();
      await ch.deleteQueue(partitionQueue(o.prefix, 0));
    } finally {
      await admin.close();
    }
    const warned = await consumingAgain(o);
    expect(String(warned?.err)).toMatch(/cancelled the partition's consumer/);
    expect(o.channels.length).toBeGreaterThanOrEqual(2);

    await publishStored(o, "after the cancel");
    expect(await storedBodies(o)).toEqual(["before the cancel", "after the cancel"]);
    expect(o.deadLetters).toEqual([]);
  }, 30_000);
});

describe.skipIf(!available)("a partition worker given a message delivered too often", () => {
  it(`moves it to the dead-letter queue after ${MAX_REDELIVERIES} returns and goes on with the next`, async () => {
    const o = await openWorker(false);
    const poisonId = await publish(o.prefix, encodeHandoff([record("returned too often")]), {
      "x-origin": "test",
    });
    // Returned to the queue MAX_REDELIVERIES times before the worker consumes (by another consumer, the
    // queue's single active one meanwhile): quorum queues count each in x-delivery-count.
    const ch = await o.conn.createChannel();
    await ch.prefetch(1);
    let returns = 0;
    const returned = new Promise<void>((resolve) => {
      void ch.consume(partitionQueue(o.prefix, 0), (msg) => {
        if (!msg) return;
        ch.nack(msg, false, true);
        if (++returns === MAX_REDELIVERIES) resolve();
      });
    });
    await returned;
    await ch.close();
    await publish(o.prefix, encodeHandoff([record("taken normally")]));
    await o.worker.attach(o.conn);

    await waitFor(async () => (await storedBodies(o)).includes("taken normally"), "the next hand-off stored");
    expect(await storedBodies(o)).toEqual(["taken normally"]);
    expect(o.deadLetters).toEqual(["delivery_limit"]);
    const dead = await o.conn.createChannel();
    const letter = await dead.get(deadLetterQueue(o.prefix), { noAck: true });
    expect(letter).not.toBe(false);
    if (!letter) return;
    expect(letter.properties.messageId).toBe(poisonId);
    expect(letter.content.toString()).toBe(encodeHandoff([record("returned too often")]).toString());
    expect(letter.properties.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: "delivery_limit",
      [DEAD_LETTER_HEADERS.partition]: 0,
      [DEAD_LETTER_HEADERS.queue]: partitionQueue(o.prefix, 0),
      "x-origin": "test",
    });
    expect(await dead.get(deadLetterQueue(o.prefix))).toBe(false);
    await dead.close();
    expect(o.logs.find((l) => l.reason === "delivery_limit")).toMatchObject({
      partition: 0,
      message: poisonId,
      msg: "hand-off delivered too often without being acknowledged; moved to the dead-letter queue",
    });
  }, 30_000);
});

describe.skipIf(!available)("a partition worker given a batch PostgreSQL refuses", () => {
  it(`dead-letters it after ${MAX_BATCH_FAILURES} failures while the store answers, with the error, and goes on`, async () => {
    const o = await openWorker();
    // A row the database refuses whatever the retry: a constraint a DBA added, say.
    await sql`alter table logs add constraint lw_no_poison check (message <> 'poison')`.execute(
      o.store.store.db,
    );
    const poisonId = await publish(o.prefix, encodeHandoff([record("poison")]));
    await publish(o.prefix, encodeHandoff([record("after the poison")]));
    // The next hand-off does not wait for the refused one's retries.
    await waitFor(
      async () => (await storedBodies(o)).includes("after the poison"),
      "the hand-off after the refused one stored",
    );
    await waitFor(() => o.deadLetters.length > 0, "the refused batch dead-lettered", 30_000);
    expect(await storedBodies(o)).toEqual(["after the poison"]);
    expect(o.deadLetters).toEqual(["batch_failed"]);
    const dead = await o.conn.createChannel();
    const letter = await dead.get(deadLetterQueue(o.prefix), { noAck: true });
    expect(letter).not.toBe(false);
    if (!letter) return;
    expect(letter.properties.messageId).toBe(poisonId);
    expect(letter.properties.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: "batch_failed",
      [DEAD_LETTER_HEADERS.partition]: 0,
    });
    expect(String(letter.properties.headers?.[DEAD_LETTER_HEADERS.error])).toMatch(/lw_no_poison/);
    await dead.close();
    expect(o.logs.find((l) => l.reason === "batch_failed")).toMatchObject({
      partition: 0,
      message: poisonId,
    });
  }, 60_000);
});

describe.skipIf(!available)("a partition worker given a keyed hand-off sent again (issue 45 item 2)", () => {
  const againLog = "hand-off sent again was already committed; acknowledged";

  it("stores copies queued together once, acknowledges a copy sent after the commit unprocessed, and leaves unkeyed copies alone", async () => {
    const o = await openWorker(false);
    const id = keyedHandoffId("POST /ingest t:1\nclient-key\ndigest", 0, 0);
    // Two copies in the queue before the worker consumes: the second arrives while the first is in the
    // pipeline, where `cluster_handoffs` cannot show it yet.
    await publish(o.prefix, encodeHandoff([record("keyed once")]), {}, id);
    await publish(o.prefix, encodeHandoff([record("keyed once")]), {}, id);
    // Unkeyed copies (random ids) are two requests: stored twice, as without a key.
    await publish(o.prefix, encodeHandoff([record("unkeyed twice")]));
    await publish(o.prefix, encodeHandoff([record("unkeyed twice")]));
    await o.worker.attach(o.conn);
    await waitFor(
      async () => (await storedBodies(o)).filter((b) => b === "unkeyed twice").length === 2,
      "the unkeyed copies stored",
    );
    await waitFor(() => o.logs.some((l) => l.msg === againLog), "the queued copy acknowledged");
    expect(await storedBodies(o)).toEqual(["keyed once", "unkeyed twice", "unkeyed twice"]);

    // A copy sent long after the first committed (a client's resend to another node).
    await publish(o.prefix, encodeHandoff([record("keyed once")]), {}, id);
    await publish(o.prefix, encodeHandoff([record("after the resend")]));
    await waitFor(async () => (await storedBodies(o)).includes("after the resend"), "the next hand-off");
    expect(o.logs.filter((l) => l.msg === againLog)).toHaveLength(2);
    expect(await storedBodies(o)).toEqual([
      "keyed once",
      "unkeyed twice",
      "unkeyed twice",
      "after the resend",
    ]);
  }, 30_000);

  it("the hand-off publisher gives a resent keyed submission the same message ids: stored once", async () => {
    const o = await openWorker(true, { CLUSTER_MESSAGE_RECORDS: "2" });
    const config = loadConfig({
      env: { CLUSTER_PARTITIONS: "1", CLUSTER_QUEUE_PREFIX: o.prefix, CLUSTER_MESSAGE_RECORDS: "2" },
    });
    const publisher = new HandoffPublisher(
      config.cluster,
      TEST_RABBITMQ_URL,
      10_000,
      pino({ level: "silent" }),
    );
    await publisher.start();
    try {
      const records = ["one", "two", "three"].map((b) => record(`resent ${b}`));
      const idempotent = {
        key: "POST /ingest s:API_TOKEN\nresend-key\nbody-digest",
        withRecords: async () => {},
      };
      // Three records in messages of two: two hand-offs, sent whole three times.
      for (let i = 0; i < 3; i++) await publisher.submit(records, undefined, { idempotent });
      // A source's read, sent again after its node restarted: keyed by the read (`SubmissionRef.key`).
      const read = [record("read from a file")];
      await publisher.submit(read, { source: "file:app", seq: 7, key: "file:app:range-digest" });
      await publisher.submit(read, { source: "file:app", seq: 1, key: "file:app:range-digest" });
      await publisher.submit([record("unkeyed marker")]);
      await waitFor(async () => (await storedBodies(o)).includes("unkeyed marker"), "the marker stored");
      expect(await storedBodies(o)).toEqual([
        "resent one",
        "resent two",
        "resent three",
        "read from a file",
        "unkeyed marker",
      ]);
      expect(o.logs.filter((l) => l.msg === againLog)).toHaveLength(5);
    } finally {
      await publisher.close();
    }
  }, 30_000);
});
