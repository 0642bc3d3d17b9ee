import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer;

/** 2005 history, as an imported LogHub file would be: 150 sshd lines a minute apart, and 3 kernel lines. */
const T0 = Date.parse("2005-06-03T15:00:00Z");
const SSHD = Array.from({ length: 150 }, (_, i) => ({
  timestamp: new Date(T0 + i * 60_000).toISOString(),
  service: "sshd",
  level: "INFO",
  message: `session opened for user u${i} from 10.1.${Math.floor(i / 100)}.${i % 100}`,
}));
const KERNEL = [0, 30, 60].map((m) => ({
  timestamp: new Date(T0 + m * 60_000 + 30_000).toISOString(),
  service: "kernel",
  level: "WARN",
  message: `temperature above threshold, cpu clock throttled (${m})`,
}));

const get = (url: string) => server.app.inject({ url, headers: auth });

beforeAll(async () => {
  server = await startTestServer();
  const res = await server.app.inject({
    method: "POST",
    url: "/ingest",
    headers: auth,
    payload: [...SSHD, ...KERNEL],
  });
  expect(res.statusCode, res.body).toBe(200);
});
afterAll(async () => {
  await server.close();
});

describe("log browsing API", () => {
  it("counts the filtered lines over an absolute range, and over the data's own period by default", async () => {
    const since = "2005-06-03T15:00:00Z";
    const until = "2005-06-03T17:00:00Z";
    const res = await get(`/api/v1/logs/histogram?service=sshd&since=${since}&until=${until}&buckets=4`);
    expect(res.statusCode, res.body).toBe(200);
    const h = res.json();
    expect(h).toMatchObject({ since: "2005-06-03T15:00:00.000Z", until: "2005-06-03T17:00:00.000Z" });
    expect(h.interval_ms).toBe(30 * 60_000);
    expect(h.buckets.map((b: { count: number }) => b.count)).toEqual([30, 30, 30, 30]);
    expect(h.total).toBe(120);

    const text = (await get("/api/v1/logs/histogram?q=throttled&buckets=10")).json();
    expect(text.since).toBe(KERNEL[0]!.timestamp);
    expect(text.total).toBe(3);
    expect(text.buckets).toHaveLength(10);

    const none = (await get("/api/v1/logs/histogram?q=nowhere")).json();
    expect(none).toEqual({ since: null, until: null, interval_ms: 0, total: 0, buckets: [] });
  });

  it("filters the list by time range and pages past the first page by cursor", async () => {
    const range = "since=2005-06-03T16:00:00Z&until=2005-06-03T17:30:00Z&service=sshd";
    const first = await get(`/api/v1/logs?${range}&limit=50`);
    expect(first.statusCode).toBe(200);
    const rows = first.json();
    expect(rows).toHaveLength(50);
    expect(rows[0].timestamp).toBe("2005-06-03T17:29:00.000Z");
    const cursor = first.headers["x-next-cursor"];
    expect(typeof cursor).toBe("string");
    expect(first.headers.link).toContain(`cursor=${cursor}`);

    const second = await get(`/api/v1/logs?${range}&limit=50&cursor=${cursor}`);
    const more = second.json();
    expect(more).toHaveLength(40);
    expect(more[0].timestamp).toBe("2005-06-03T16:39:00.000Z");
    expect(more.at(-1).timestamp).toBe("2005-06-03T16:00:00.000Z");
    expect(second.headers["x-next-cursor"]).toBeUndefined();
  });

  it("shows the lines of the same service around a hit", async () => {
    const hit = (await get("/api/v1/logs?q=u42")).json()[0];
    expect(hit.message).toContain("user u42 ");
    const res = await get(`/api/v1/logs/${hit.id}/context?before=2&after=3`);
    expect(res.statusCode).toBe(200);
    const c = res.json();
    expect(c.line.id).toBe(hit.id);
    expect(c.before.map((l: { message: string }) => l.message)).toEqual([
      SSHD[40]!.message,
      SSHD[41]!.message,
    ]);
    expect(c.after.map((l: { message: string }) => l.message)).toEqual([
      SSHD[43]!.message,
      SSHD[44]!.message,
      SSHD[45]!.message,
    ]);
    expect((await get("/api/v1/logs/999999/context")).statusCode).toBe(404);
  });

  it("refuses bad input with a JSON 400", async () => {
    for (const url of [
      "/api/v1/logs?since=yesterday",
      "/api/v1/logs?cursor=not-ours",
      "/api/v1/logs/histogram?buckets=0",
      "/api/v1/logs/histogram?since=2005-06-03T17:00:00Z&until=2005-06-03T16:00:00Z",
      "/api/v1/logs/1/context?before=-1",
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
  });

  it("counts the busiest services and templates within the range", async () => {
    const res = await get("/api/v1/logs/facets?since=2005-06-03T15:00:00Z&until=2005-06-03T15:10:00Z");
    expect(res.statusCode).toBe(200);
    expect(res.json().services).toEqual([
      { name: "sshd", count: 10 },
      { name: "kernel", count: 1 },
    ]);
    // The first line of a template that later generalised counts under the general template.
    const all = (await get("/api/v1/logs/facets?service=sshd")).json();
    expect(all.templates).toEqual([
      { name: "session opened for user u<*> from <*>", count: 150, template_ids: expect.any(Array) },
    ]);
  });

  it("lists, counts and charts the lines of a template, those mined before it generalised included", async () => {
    const [facet] = (await get("/api/v1/logs/facets?service=sshd")).json().templates;
    // The facet's ids are the lines' own: the first line's template is the one before generalising.
    expect(facet.template_ids.length).toBeGreaterThanOrEqual(1);
    const ids = facet.template_ids.join(",");
    const lines = (await get(`/api/v1/logs?template_id=${ids}&limit=1000`)).json();
    expect(lines).toHaveLength(150);
    expect(new Set(lines.map((l: { service: string }) => l.service))).toEqual(new Set(["sshd"]));
    const h = (await get(`/api/v1/logs/histogram?template_id=${ids}&buckets=5`)).json();
    expect(h.total).toBe(150);

    // The template's current id alone (as the Templates page links it) lists the same 150 lines.
    const templates = (await get("/api/v1/templates?stream=sshd")).json();
    const current = templates.find((t: { template: string }) => t.template === facet.name);
    expect(current).toBeDefined();
    const byCurrent = (await get(`/api/v1/logs?template_id=${current.template_id}&limit=1000`)).json();
    expect(byCurrent).toHaveLength(150);
    const inRange = (
      await get(
        `/api/v1/logs/histogram?template_id=${current.template_id}&since=2005-06-03T15:00:00Z&until=2005-06-03T15:10:00Z&buckets=1`,
      )
    ).json();
    expect(inRange.total).toBe(10);

    // An id no template has lists nothing (not every line); the other service's template is not mixed in.
    expect((await get("/api/v1/logs?template_id=no-such-template")).json()).toEqual([]);
    const kernel = (await get("/api/v1/logs/facets?service=kernel")).json().templates[0];
    const kernelLines = (await get(`/api/v1/logs?template_id=${kernel.template_ids.join(",")}`)).json();
    expect(kernelLines.every((l: { service: string }) => l.service === "kernel")).toBe(true);
  });
});
