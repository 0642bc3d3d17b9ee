import { createHmac } from "node:crypto";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { sinkSchema } from "../../src/config/sink-schema.js";
import { FakeClock } from "../../src/core/clock.js";
import type { DeliveryItem, SinkAnomaly } from "../../src/core/sink.js";
import { createDetectors } from "../../src/detectors/registry.js";
import { toSinkAnomaly } from "../../src/sinks/payload.js";
import { createSinks, sinkTypes } from "../../src/sinks/registry.js";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { corpus, DETECTION_ENV, OBSERVED_AT, parsedBatches } from "../helpers/detection-corpus.js";
import { startKafkaBroker } from "../helpers/kafka-broker.js";
import { rabbitmqAvailable, TEST_RABBITMQ_URL } from "../helpers/rabbitmq.js";
import { startReceiver } from "../helpers/receiver.js";
import { sqliteTestStore } from "../helpers/stores.js";

/**
 * The sink conformance suite: every sink type of the registry (adding one without a target here fails
 * the first test) delivers a real finding (a brute-force anomaly the detector raised on the detection
 * corpus, stored and read back) to a server on 127.0.0.1 that speaks the target's own wire format,
 * reports a refusal as a failure with a reason, and takes its config only through its schema.
 */
interface Target {
  /** The sink's config, pointing at the target; `extra` adds or overrides keys. */
  config: Record<string, unknown>;
  /** What the target received, as the anomalies it can read back (the JSON a sink sends). */
  received(): Promise<unknown[]>;
  /** Makes the target refuse what it is sent from now on. */
  refuse(): void;
  /** Where a target cannot be told to refuse, a config whose deliveries it refuses. */
  refusedConfig?: Record<string, unknown>;
  /** A key of the config that names where deliveries go, checked to be required. */
  required: string;
  close(): Promise<void>;
}

const rabbit = await rabbitmqAvailable();
const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/** How to stand up each sink type's target; one entry per type the registry knows. */
const TARGETS: Record<string, (() => Promise<Target>) | null> = {
  webhook: async () => {
    const rx = await startReceiver();
    return {
      config: { type: "webhook", url: `${rx.url}/hook`, secret: "s3cret" },
      received: async () =>
        rx.requests.map((r) => {
          const signature = createHmac("sha256", "s3cret").update(r.body).digest("hex");
          expect(r.headers["x-logwarden-signature"]).toBe(`sha256=${signature}`);
          return JSON.parse(r.body);
        }),
      refuse: () => {
        rx.respond = () => ({ status: 503, body: "maintenance" });
      },
      required: "url",
      close: () => rx.close(),
    };
  },
  slack: async () => {
    const rx = await startReceiver();
    return {
      config: { type: "slack", url: `${rx.url}/services/T/B/X`, minSeverity: "low" },
      // Slack gets Block Kit, not the anomaly: what it can read back is the id in the context block.
      received: async () =>
        rx.requests.map((r) => {
          const body = JSON.parse(r.body) as { text: string; blocks: { elements?: { text: string }[] }[] };
          return { text: body.text, context: body.blocks.at(-1)?.elements?.[0]?.text };
        }),
      refuse: () => {
        rx.respond = () => ({ status: 404, body: "no_service" });
      },
      required: "url",
      close: () => rx.close(),
    };
  },
  splunk: async () => {
    const rx = await startReceiver();
    rx.respond = (req) =>
      req.headers.authorization === "Splunk hec-token"
        ? { status: 200, body: '{"text":"Success","code":0}' }
        : { status: 401, body: '{"text":"Token is required","code":2}' };
    return {
      config: { type: "splunk", url: `${rx.url}/services/collector`, token: "hec-token" },
      received: async () =>
        rx.requests.flatMap((r) =>
          r.body.split("\n").map((l) => (JSON.parse(l) as { event: unknown }).event),
        ),
      refuse: () => {
        rx.respond = () => ({ status: 503, body: '{"text":"Server is busy","code":9}' });
      },
      required: "token",
      close: () => rx.close(),
    };
  },
  elasticsearch: async () => {
    const rx = await startReceiver();
    let status = 201;
    rx.respond = (req) => {
      const lines = req.body.trimEnd().split("\n");
      const items = lines
        .filter((_, i) => i % 2 === 0)
        .map((l) => ({ index: { _id: (JSON.parse(l) as { index: { _id: string } }).index._id, status } }));
      return { status: 200, body: JSON.stringify({ errors: status >= 300, items }) };
    };
    return {
      config: { type: "elasticsearch", url: rx.url, index: "findings" },
      received: async () =>
        rx.requests.flatMap((r) =>
          r.body
            .trimEnd()
            .split("\n")
            .filter((_, i) => i % 2 === 1)
            .map((l) => {
              const { "@timestamp": _, ...doc } = JSON.parse(l) as Record<string, unknown>;
              return doc;
            }),
        ),
      refuse: () => {
        status = 429;
      },
      required: "url",
      close: () => rx.close(),
    };
  },
  kafka: async () => {
    const broker = await startKafkaBroker();
    return {
      config: { type: "kafka", brokers: broker.address, topic: "findings", timeoutMs: 3000 },
      received: async () =>
        broker.records.map((r) => {
          const anomaly = JSON.parse(r.value ?? "null") as SinkAnomaly;
          // Every in-sync replica must have it (acks -1), keyed by the anomaly's id.
          expect(r).toMatchObject({ topic: "findings", acks: -1, key: String(anomaly.id) });
          expect(r.headers["content-type"]).toBe("application/json");
          return anomaly;
        }),
      refuse: () => {
        broker.produceError = 6; // NOT_LEADER_FOR_PARTITION
      },
      required: "brokers",
      close: () => broker.close(),
    };
  },
  rabbitmq: rabbit
    ? async () => {
        const exchange = `lw-conformance-${suffix}`;
        const queue = `lw-conformance-q-${suffix}`;
        const conn = await amqp.connect(TEST_RABBITMQ_URL);
        const ch = await conn.createChannel();
        const got: unknown[] = [];
        return {
          config: { type: "rabbitmq", url: TEST_RABBITMQ_URL, exchange, queue },
          received: async () => {
            for (
              let msg = await ch.get(queue, { noAck: true });
              msg;
              msg = await ch.get(queue, { noAck: true })
            )
              got.push(JSON.parse(msg.content.toString("utf8")));
            return got;
          },
          refuse: () => {},
          // An exchange no queue is bound to: the broker returns what it is sent as unroutable.
          refusedConfig: { type: "rabbitmq", url: TEST_RABBITMQ_URL, exchange: `${exchange}-nobody` },
          required: "url",
          close: async () => {
            await ch.deleteQueue(queue).catch(() => {});
            await ch.deleteExchange(exchange).catch(() => {});
            await ch.deleteExchange(`${exchange}-nobody`).catch(() => {});
            await conn.close();
          },
        };
      }
    : null,
};

let finding: SinkAnomaly;

beforeAll(async () => {
  // A real finding: brute_force on the detection corpus, stored and read back as the dispatcher would.
  const clock = new FakeClock(OBSERVED_AT);
  const config = loadConfig({ env: DETECTION_ENV });
  const detector = createDetectors(config, { clock }).find((d) => d.name === "brute_force")!;
  const raised = parsedBatches(corpus(), 200).flatMap((b) => detector.observe(b));
  expect(raised.length).toBeGreaterThan(0);
  const t = await sqliteTestStore();
  try {
    const [stored] = await t.store.db
      .transaction()
      .execute((trx) => storeAnomalies(trx, raised.slice(0, 1), OBSERVED_AT));
    finding = toSinkAnomaly(stored!.anomaly);
  } finally {
    await t.cleanup();
  }
});

const item = (anomaly: SinkAnomaly, deliveryId = 1): DeliveryItem => ({ deliveryId, attempt: 1, anomaly });

it("has a conformance target for every registered sink type", () => {
  expect(sinkTypes().sort()).toEqual(Object.keys(TARGETS).sort());
});

describe.each(sinkTypes())("sink %s", (type) => {
  const start = TARGETS[type];
  let target: Target | undefined;
  beforeAll(async () => {
    target = start ? await start() : undefined;
  });
  afterAll(async () => {
    await target?.close();
  });

  it.skipIf(!start)("delivers a real finding in the target's wire format", async () => {
    const [sink] = createSinks([sinkSchema.parse(target!.config)]);
    expect(sink).toMatchObject({ name: type, type });
    try {
      expect(await sink!.deliver([item(finding)])).toEqual([{ ok: true }]);
      const received = await target!.received();
      if (type === "slack") {
        expect(received).toEqual([
          {
            text: expect.stringContaining(`${finding.detector}`),
            context: expect.stringContaining(`#${finding.id}`),
          },
        ]);
      } else {
        expect(received).toEqual([finding]);
      }
    } finally {
      await sink!.close();
    }
  });

  it.skipIf(!start)("reports a refusal as a failed outcome with a reason", async () => {
    target!.refuse();
    const [sink] = createSinks([sinkSchema.parse(target!.refusedConfig ?? target!.config)]);
    try {
      const outcomes = await sink!.deliver([item(finding, 1), item({ ...finding, id: finding.id + 1 }, 2)]);
      expect(outcomes).toHaveLength(2);
      for (const outcome of outcomes) {
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) {
          expect(outcome.error.length).toBeGreaterThan(0);
          expect(typeof outcome.retryable).toBe("boolean");
        }
      }
    } finally {
      await sink!.close();
    }
  });

  it.skipIf(!start)(
    "takes its config through its schema: routing, attempts, unknown and missing keys",
    async () => {
      const config = {
        ...target!.config,
        name: `${type}-conformance`,
        minSeverity: "high",
        detectors: ["brute_force"],
        services: ["sshd"],
        maxAttempts: 3,
      };
      const [sink] = createSinks([sinkSchema.parse(config)]);
      try {
        expect(sink).toMatchObject({
          name: `${type}-conformance`,
          maxAttempts: 3,
          route: { minSeverity: "high", detectors: ["brute_force"], services: ["sshd"] },
        });
        expect(sink!.batchSize).toBeGreaterThanOrEqual(1);
      } finally {
        await sink!.close();
      }
      const unknown = sinkSchema.safeParse({ ...target!.config, colour: "blue" });
      expect(unknown.success).toBe(false);
      expect(unknown.error?.issues[0]?.message).toMatch(/colour/);
      const { [target!.required]: _, ...missing } = target!.config;
      const incomplete = sinkSchema.safeParse(missing);
      expect(incomplete.success).toBe(false);
      expect(incomplete.error?.issues.map((i) => i.path.join("."))).toContain(target!.required);
      expect(sinkSchema.safeParse({ ...target!.config, maxAttempts: 0 }).success).toBe(false);
    },
  );
});
