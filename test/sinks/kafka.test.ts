import { describe, expect, it } from "vitest";
import { sinkSchema } from "../../src/config/sink-schema.js";
import { KafkaSink, kafkaMessages } from "../../src/sinks/kafka.js";
import { toSinkAnomaly } from "../../src/sinks/payload.js";
import { item, storedAnomaly } from "./fixtures.js";

// No Kafka broker can be installed from Debian or npm here, so the produced records are checked
// directly, and delivery against a closed port must fail as retryable (docs/sources-and-sinks.md).
describe("kafka sink", () => {
  it("produces each anomaly as UTF-8 JSON keyed by id, with headers", () => {
    const a = toSinkAnomaly(storedAnomaly({ id: 41, description: "naïve café — burst" }));
    const [message, ...rest] = kafkaMessages([item(a)]);
    expect(rest).toHaveLength(0);
    expect(message!.key).toBe("41");
    expect(Buffer.isBuffer(message!.value)).toBe(true);
    expect(JSON.parse((message!.value as Buffer).toString("utf8"))).toEqual(a);
    expect((message!.value as Buffer).toString("utf8")).toContain("naïve café — burst");
    expect(message!.timestamp).toBe(String(Date.parse(a.timestamp)));
    expect(message!.headers).toMatchObject({
      "content-type": "application/json",
      "logwarden-anomaly-id": "41",
      "logwarden-severity": "high",
    });
  });

  it("defaults to the security-anomalies topic and reports an unreachable broker as retryable", async () => {
    const config = sinkSchema.parse({ type: "kafka", brokers: "127.0.0.1:1", timeoutMs: 1000 });
    if (config.type !== "kafka") throw new Error("unexpected");
    expect(config.topic).toBe("security-anomalies");
    expect(config.brokers).toEqual(["127.0.0.1:1"]);
    const sink = new KafkaSink("kafka", config);
    const [outcome] = await sink.deliver([item(toSinkAnomaly(storedAnomaly()))]);
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    await sink.close();
  });
});
