import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/core/json.js";
import { recordFromObject } from "../../../src/parsers/decoders/json-record.js";

const ctx = { observedAt: "2026-01-10T00:00:00.000Z" };

describe("recordFromObject: timestamp aliases", () => {
  it.each([
    ["timestamp", "2026-01-05T09:30:00Z"],
    ["time", "2026-01-05T09:30:00Z"],
    ["@timestamp", "2026-01-05T09:30:00Z"],
    ["ts", "2026-01-05T09:30:00Z"],
    ["date", "2026-01-05T09:30:00Z"],
    ["datetime", "2026-01-05T09:30:00Z"],
    ["Timestamp", "2026-01-05T09:30:00Z"],
  ])("%s", (key, value) => {
    const r = recordFromObject({ [key]: value, message: "m" }, ctx);
    expect(r.timestamp).toBe("2026-01-05T09:30:00.000Z");
    expect(r.attributes).toEqual({});
  });

  it.each([
    ["ISO with offset and 7 digits", "2025-04-03T14:22:10.1234567+02:00", "2025-04-03T12:22:10.123Z"],
    ["ISO with 9 digits and Z", "2025-04-03T14:22:10.123456789Z", "2025-04-03T14:22:10.123Z"],
    ["negative offset without colon", "2025-04-03T14:22:10-0530", "2025-04-03T19:52:10.000Z"],
    ["space separator, comma fraction", "2025-04-03 14:22:10,5", "2025-04-03T14:22:10.500Z"],
    ["no zone is UTC", "2025-04-03T14:22:10", "2025-04-03T14:22:10.000Z"],
    ["canonical passes through", "2025-04-03T14:22:10.007Z", "2025-04-03T14:22:10.007Z"],
    ["epoch seconds", 1718374561, "2024-06-14T14:16:01.000Z"],
    ["epoch seconds with fraction", 1718374561.25, "2024-06-14T14:16:01.250Z"],
    ["epoch milliseconds", 1718374561123, "2024-06-14T14:16:01.123Z"],
    ["epoch microseconds", 1718374561123456, "2024-06-14T14:16:01.123Z"],
    ["epoch seconds as string", "1718374561", "2024-06-14T14:16:01.000Z"],
    ["epoch ms as string", "1718374561123", "2024-06-14T14:16:01.123Z"],
    ["RFC 2822", "Fri, 14 Jun 2024 14:16:01 GMT", "2024-06-14T14:16:01.000Z"],
    ["BSD date, year from observedAt", "Dec 31 23:00:00", "2025-12-31T23:00:00.000Z"],
  ] as const)("%s", (_name, value, expected) => {
    expect(recordFromObject({ time: value, msg: "m" }, ctx).timestamp).toBe(expected);
  });

  it.each([
    ["unparseable", "yesterday"],
    ["V8 would read it as a date", "hello 2024"],
    ["zero means unset", 0],
    ["boolean", true],
  ] as const)("%s stays an attribute and the observed time is used", (_name, value) => {
    const r = recordFromObject({ timestamp: value, msg: "m" }, ctx);
    expect(r.timestamp).toBe(ctx.observedAt);
    expect(r.attributes).toEqual({ timestamp: value });
  });

  it("timeUnixNano is nanoseconds; observedTimestamp is taken from the record", () => {
    const r = recordFromObject(
      { timeUnixNano: "1718374561123456789", observedTimeUnixNano: "1718374562000000000", body: "x" },
      ctx,
    );
    expect(r.timestamp).toBe("2024-06-14T14:16:01.123Z");
    expect(r.observedTimestamp).toBe("2024-06-14T14:16:02.000Z");
  });

  it("the first alias wins; the other stays an attribute", () => {
    const r = recordFromObject({ ts: 1718374561, timestamp: "2026-01-05T09:30:00Z", msg: "m" }, ctx);
    expect(r.timestamp).toBe("2026-01-05T09:30:00.000Z");
    expect(r.attributes).toEqual({ ts: 1718374561 });
  });
});

describe("recordFromObject: body", () => {
  it.each(["message", "msg", "log", "body", "text", "MESSAGE"])("%s", (key) => {
    expect(recordFromObject({ [key]: "hello" }, ctx).body).toBe("hello");
  });

  it("drops the trailing newline Docker's json-file driver adds", () => {
    const r = recordFromObject({ log: "started\n", stream: "stderr", time: "2026-01-05T09:30:00.1Z" }, ctx);
    expect(r.body).toBe("started");
    expect(r.attributes).toEqual({ stream: "stderr" });
  });

  it("unwraps an OTLP AnyValue body", () => {
    expect(recordFromObject({ body: { stringValue: "otlp" } }, ctx).body).toBe("otlp");
  });

  it("without a message the body is the compact JSON of the remaining fields", () => {
    const r = recordFromObject(
      { timestamp: "2026-02-01T09:30:00Z", user: "root", event_type: "login", action: "failed" },
      ctx,
    );
    expect(r.body).toBe('{"user":"root","event_type":"login","action":"failed"}');
    expect(r.attributes).toEqual({ user: "root", event_type: "login", action: "failed" });
  });

  it("a non-string message is not the body (ECS `log` object stays an attribute)", () => {
    const r = recordFromObject({ log: { level: "info" }, message: "real" }, ctx);
    expect(r.body).toBe("real");
    expect(r.attributes).toEqual({ log: { level: "info" } });
  });

  it("empty object: empty body, observed time", () => {
    const r = recordFromObject({}, ctx);
    expect(r).toEqual({
      timestamp: ctx.observedAt,
      observedTimestamp: ctx.observedAt,
      severityText: null,
      severityNumber: 0,
      body: "",
      attributes: {},
      resource: {},
    });
  });
});

describe("recordFromObject: level", () => {
  it.each([
    ["level", "ERROR", "ERROR", 17],
    ["severity", "warning", "warning", 13],
    ["severity_text", "Info", "Info", 9],
    ["severityText", "DEBUG", "DEBUG", 5],
    ["loglevel", "fatal", "fatal", 21],
    ["lvl", "eror", "eror", 17],
    ["log.level", "warn", "warn", 13],
    ["level", "custom", "custom", 0],
    ["level", 17, "ERROR", 17],
    ["level", 9, "INFO", 9],
    ["level", 23, "FATAL3", 23],
    ["level", 10, "trace", 1],
    ["level", 20, "debug", 5],
    ["level", 30, "info", 9],
    ["level", 40, "warn", 13],
    ["level", 50, "error", 17],
    ["level", 60, "fatal", 21],
    ["level", 35, "info", 9],
    ["level", "30", "info", 9],
  ] as const)("%s = %j", (key, value, text, number) => {
    const r = recordFromObject({ [key]: value, msg: "m" }, ctx);
    expect([r.severityText, r.severityNumber]).toEqual([text, number]);
  });

  it("severityNumber is always the OTel scale and overrides the word's number", () => {
    const r = recordFromObject({ severityText: "WARN", severityNumber: 14, body: "b" }, ctx);
    expect([r.severityText, r.severityNumber]).toEqual(["WARN", 14]);
    const n = recordFromObject({ severityNumber: 20, body: "b" }, ctx);
    expect([n.severityText, n.severityNumber]).toEqual(["ERROR4", 20]);
  });

  it("GELF levels are syslog severities", () => {
    const r = recordFromObject({ version: "1.1", short_message: "boom", level: 3, host: "h" }, ctx);
    expect([r.body, r.severityText, r.severityNumber]).toEqual(["boom", "err", 17]);
  });

  it("an unusable level stays an attribute", () => {
    const r = recordFromObject({ level: 0, msg: "m" }, ctx);
    expect([r.severityText, r.severityNumber]).toEqual([null, 0]);
    expect(r.attributes).toEqual({ level: 0 });
  });
});

describe("recordFromObject: resource", () => {
  it.each(["service", "service.name", "program", "app", "application", "app_name"])(
    "service alias %s",
    (key) => {
      expect(recordFromObject({ [key]: "auth", msg: "m" }, ctx).resource).toEqual({ "service.name": "auth" });
    },
  );

  it.each(["host", "hostname", "host.name"])("host alias %s", (key) => {
    expect(recordFromObject({ [key]: "web-1", msg: "m" }, ctx).resource).toEqual({ "host.name": "web-1" });
  });

  it("logger_name is not a service (it names a class)", () => {
    const r = recordFromObject({ logger_name: "com.acme.Foo", msg: "m" }, ctx);
    expect(r.resource).toEqual({});
    expect(r.attributes).toEqual({ logger_name: "com.acme.Foo" });
  });

  it("ECS objects: name plus other fields as resource attributes", () => {
    const r = recordFromObject(
      { service: { name: "api", version: "2" }, host: { hostname: "h1", ip: "10.0.0.1" } },
      ctx,
    );
    expect(r.resource).toEqual({
      "service.name": "api",
      "service.version": "2",
      "host.name": "h1",
      "host.ip": "10.0.0.1",
    });
  });

  it("defaultService only when the record names none", () => {
    const withDefault = { ...ctx, defaultService: "fallback" };
    expect(recordFromObject({ msg: "m" }, withDefault).resource).toEqual({ "service.name": "fallback" });
    expect(recordFromObject({ app: "x", msg: "m" }, withDefault).resource).toEqual({ "service.name": "x" });
  });
});

describe("recordFromObject: OTel-shaped and system records", () => {
  it("nested resource and attributes objects", () => {
    const r = recordFromObject(
      {
        timestamp: "2026-01-05T09:30:00Z",
        severityText: "ERROR",
        severityNumber: 17,
        body: "db down",
        attributes: { "db.system": "postgresql", retries: 3 },
        resource: { "service.name": "orders", "service.version": "1.4" },
      },
      ctx,
    );
    expect(r).toMatchObject({
      severityText: "ERROR",
      severityNumber: 17,
      body: "db down",
      attributes: { "db.system": "postgresql", retries: 3 },
      resource: { "service.name": "orders", "service.version": "1.4" },
    });
  });

  it("OTLP KeyValue lists", () => {
    const r = recordFromObject(
      {
        body: { stringValue: "x" },
        attributes: [
          { key: "n", value: { intValue: "42" } },
          { key: "ok", value: { boolValue: true } },
          { key: "tags", value: { arrayValue: { values: [{ stringValue: "a" }] } } },
        ],
        resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
      },
      ctx,
    );
    expect(r.attributes).toEqual({ n: 42, ok: true, tags: ["a"] });
    expect(r.resource).toEqual({ "service.name": "svc" });
  });

  it("system 002 auth record", () => {
    const r = recordFromObject(
      {
        timestamp: "2026-02-01T09:30:00Z",
        user: "root",
        source_ip: "10.1.2.3",
        event_type: "login",
        action: "failed",
        message: "Failed password for root",
      },
      ctx,
    );
    expect(r.timestamp).toBe("2026-02-01T09:30:00.000Z");
    expect(r.body).toBe("Failed password for root");
    expect(r.attributes).toEqual({
      user: "root",
      source_ip: "10.1.2.3",
      event_type: "login",
      action: "failed",
    });
  });

  it("system 004 log object: metadata merged into attributes", () => {
    const r = recordFromObject(
      {
        timestamp: "2025-04-03T14:22:10.1234567+02:00",
        service: "auth",
        level: "ERROR",
        message: "invalid password",
        metadata: { ip: "10.0.0.12" },
      },
      ctx,
    );
    expect(r).toEqual({
      timestamp: "2025-04-03T12:22:10.123Z",
      observedTimestamp: ctx.observedAt,
      severityText: "ERROR",
      severityNumber: 17,
      body: "invalid password",
      attributes: { ip: "10.0.0.12" },
      resource: { "service.name": "auth" },
    });
  });

  it("a nested key clashing with a top-level one is kept under a prefix", () => {
    const r = recordFromObject({ msg: "m", ip: "1.1.1.1", metadata: { ip: "2.2.2.2", path: "/" } }, ctx);
    expect(r.attributes).toEqual({ ip: "1.1.1.1", "metadata.ip": "2.2.2.2", path: "/" });
  });

  it("a metadata that is not an object stays an attribute", () => {
    expect(recordFromObject({ msg: "m", metadata: "x" }, ctx).attributes).toEqual({ metadata: "x" });
  });

  it("__proto__ from JSON is an ordinary attribute", () => {
    const obj = JSON.parse('{"msg":"m","__proto__":{"polluted":true}}') as JsonObject;
    const r = recordFromObject(obj, ctx);
    expect(Object.keys(r.attributes)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(r.attributes)).toBe(Object.prototype);
  });
});

describe("recordFromObject: a Windows event as XML-to-JSON", () => {
  const event = (system: JsonObject): JsonObject => ({
    Event: {
      System: { EventID: 4625, Channel: "Security", ...system },
      EventData: { TargetUserName: "bob" },
    },
  });

  it("takes its time from TimeCreated, its host from Computer and its severity from Level", () => {
    const r = recordFromObject(
      event({
        TimeCreated: { "#attributes": { SystemTime: "2026-03-02T07:30:05.6840000Z" } },
        Computer: "ws-125.corp.example.com",
        Level: 2,
      }),
      ctx,
    );
    expect(r.timestamp).toBe("2026-03-02T07:30:05.684Z");
    expect(r.resource["host.name"]).toBe("ws-125.corp.example.com");
    expect(r.severityText).toBe("ERROR");
    // Nothing is taken out of the event: rules read it whole.
    expect((r.attributes.Event as JsonObject).System).toMatchObject({ Computer: "ws-125.corp.example.com" });
  });

  it("reads the plain SystemTime form; a top-level time or host stated by the producer wins", () => {
    const plain = recordFromObject(event({ TimeCreated: { SystemTime: "2026-03-02T07:30:05Z" } }), ctx);
    expect(plain.timestamp).toBe("2026-03-02T07:30:05.000Z");
    const stated = recordFromObject(
      {
        ...event({ TimeCreated: { SystemTime: "2026-03-02T07:30:05Z" }, Computer: "ws1" }),
        time: "2026-03-03T00:00:00Z",
        host: "relay",
      },
      ctx,
    );
    expect(stated.timestamp).toBe("2026-03-03T00:00:00.000Z");
    expect(stated.resource["host.name"]).toBe("relay");
  });

  it("an object whose Event is not a Windows event keeps the receipt time", () => {
    expect(recordFromObject({ Event: "login", message: "m" }, ctx).timestamp).toBe(ctx.observedAt);
  });
});
