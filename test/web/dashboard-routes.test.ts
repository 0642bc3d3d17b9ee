import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const burst = (service = "auth") =>
  Array.from({ length: 4 }, (_, i) => ({
    timestamp: `2025-04-03T14:22:0${i}Z`,
    service,
    level: "ERROR",
    message: `invalid password for user${i} from 10.0.0.${i}`,
  }));

async function ingest(s: TestServer, logs: unknown[]): Promise<void> {
  const res = await s.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: logs as object });
  expect(res.statusCode, res.body).toBe(200);
}

/** Opens the event stream over a real socket and collects `anomaly` events until `count` arrived. */
function collectEvents(url: string, count: number): { ready: Promise<void>; events: Promise<unknown[]> } {
  let onReady!: () => void;
  const ready = new Promise<void>((r) => {
    onReady = r;
  });
  const events = new Promise<unknown[]>((resolve, reject) => {
    const req = httpRequest(url, (res) => {
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toContain("text/event-stream");
      const got: unknown[] = [];
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        if (buffer.includes(": connected")) onReady();
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^event: anomaly\ndata: (.*)$/m.exec(block)?.[1];
          if (data) got.push(JSON.parse(data));
        }
        if (got.length >= count) {
          req.destroy();
          resolve(got);
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
  return { ready, events };
}

describe("dashboard routes", () => {
  it("streams new anomalies over SSE with a single-use ticket, and refuses without one", async () => {
    server = await startTestServer({ ERROR_BURST_THRESHOLD: "3" });
    await server.app.listen({ port: 0, host: "127.0.0.1" });
    const address = server.app.server.address();
    const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

    expect((await server.app.inject({ method: "POST", url: "/api/v1/events/ticket" })).statusCode).toBe(401);
    const issued = await server.app.inject({ method: "POST", url: "/api/v1/events/ticket", headers: auth });
    expect(issued.statusCode).toBe(201);
    const { ticket, expires_in } = issued.json();
    expect(expires_in).toBe(30);
    expect((await server.app.inject({ url: "/api/v1/events?ticket=nope" })).statusCode).toBe(401);

    const stream = collectEvents(`${base}/api/v1/events?ticket=${ticket}`, 1);
    await stream.ready;
    // Spent: the same ticket cannot open a second stream.
    expect((await server.app.inject({ url: `/api/v1/events?ticket=${ticket}` })).statusCode).toBe(401);
    await ingest(server, burst());
    const [event] = await stream.events;
    expect(event).toMatchObject({ detector: "error_burst", service: "auth", status: "open" });
    expect(event).toHaveProperty("severity");
  });

  it("chains onto the pipeline hook instead of replacing it", async () => {
    const seen: number[] = [];
    server = await startTestServer({ ERROR_BURST_THRESHOLD: "3" });
    // buildApp already hooked the events hub; a listener set later (like the sinks) must still chain.
    const previous = server.rt.pipeline.onAnomalies;
    expect(previous).toBeTypeOf("function");
    server.rt.pipeline.onAnomalies = (a) => {
      previous?.(a);
      seen.push(...a.map((x) => x.id));
    };
    await ingest(server, burst());
    expect(seen).toHaveLength(1);
  });

  it("lists anomaly briefs and templates, and searches logs with their templates", async () => {
    server = await startTestServer({ ERROR_BURST_THRESHOLD: "3" });
    await ingest(server, burst());
    await server.rt.pipeline.saveState();
    const [listed] = (await server.app.inject({ url: "/api/v1/anomalies", headers: auth })).json();
    const briefs = await server.app.inject({
      url: `/api/v1/anomaly-briefs?ids=${listed.id},999`,
      headers: auth,
    });
    expect(briefs.json()).toEqual([
      {
        id: listed.id,
        severity: expect.any(String),
        status: "open",
        service: "auth",
        key: "auth",
        count: 1,
        detector: listed.agent_name,
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        description: listed.description,
      },
    ]);
    expect(
      (await server.app.inject({ url: "/api/v1/anomaly-briefs?ids=1;2", headers: auth })).statusCode,
    ).toBe(400);
    expect((await server.app.inject({ url: "/api/v1/anomaly-briefs?ids=1" })).statusCode).toBe(401);

    const templates = (await server.app.inject({ url: "/api/v1/templates", headers: auth })).json();
    expect(templates).toEqual([
      expect.objectContaining({
        stream: "auth",
        template: "invalid password for user<*> from <*>",
        count: 4,
      }),
    ]);
    const logs = (await server.app.inject({ url: "/api/v1/logs?q=USER2", headers: auth })).json();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      message: "invalid password for user2 from 10.0.0.2",
      template: "invalid password for user<*> from <*>",
    });
    const one = await server.app.inject({ url: `/api/v1/templates/${logs[0].template_id}`, headers: auth });
    expect(one.json().template).toBe("invalid password for user<*> from <*>");
    expect((await server.app.inject({ url: "/api/v1/templates/nope", headers: auth })).statusCode).toBe(404);
    // Activity: the ingested lines are from 2025, outside the last 24 hours; fresh ones count per hour.
    const now = new Date().toISOString();
    await ingest(server, [
      { timestamp: now, service: "auth", level: "INFO", message: "invalid password for user7 from 10.0.0.7" },
    ]);
    const activity = (
      await server.app.inject({ url: "/api/v1/templates/activity?hours=3", headers: auth })
    ).json();
    expect(activity.hours).toBe(3);
    expect(Object.values(activity.series)).toEqual([[0, 0, 1]]);
    // `%` and `_` are literal.
    expect((await server.app.inject({ url: "/api/v1/logs?q=%25", headers: auth })).json()).toEqual([]);
  });

  it("serves index.html for pages and a hint when the app is not built; API 404s stay JSON", async () => {
    server = await startTestServer();
    const page = await server.app.inject({ url: "/ui/anomalies?severity=high" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toMatch(/<div id="root">|npm run build/);
    const missing = await server.app.inject({ url: "/api/v1/nope" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: "Not Found" });
    expect((await server.app.inject({ url: "/assets/../../package.json" })).statusCode).toBe(404);
  });

  it("lists configured sinks by name and type, never their settings; admin only", async () => {
    server = await startTestServer({ WEBHOOK_URL: "http://127.0.0.1:9/secret-hook" });
    const res = await server.app.inject({ url: "/api/v1/sinks", headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      {
        name: "webhook",
        type: "webhook",
        configured: true,
        deliveries: {},
        last_delivered_at: null,
        last_error: null,
      },
    ]);
    expect(res.body).not.toContain("secret-hook");
    expect((await server.app.inject({ url: "/api/v1/sinks" })).statusCode).toBe(401);
  });
});
