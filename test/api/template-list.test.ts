import { afterEach, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/**
 * Distinct messages, each its own template: a different first word (a word repeated across the line
 * would be one entity's value, which the miner merges).
 */
const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"];

async function ingest(s: TestServer) {
  const lines = WORDS.flatMap((w, i) =>
    // i + 1 lines of template i: counts 1 … 10.
    Array.from({ length: i + 1 }, (_, k) => ({
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, i, k)).toISOString(),
      service: i % 2 ? "db" : "web",
      level: "INFO",
      message: `${w} worker queue drained batch`,
    })),
  );
  const res = await s.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: lines });
  expect(res.statusCode).toBeLessThan(300);
}

const list = async (s: TestServer, query: string) => {
  const res = await s.app.inject({ url: `/api/v1/templates?${query}`, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  return {
    total: res.headers["x-total-count"],
    rows: res.json() as { template: string; count: number; stream: string }[],
  };
};

describe("GET /api/v1/templates: search, pages and a total", () => {
  it("pages with offset and gives the total in X-Total-Count", async () => {
    server = await startTestServer();
    await ingest(server);
    const first = await list(server, "limit=4");
    expect(first.total).toBe("10");
    expect(first.rows.map((t) => t.count)).toEqual([10, 9, 8, 7]);
    const pages = [
      first.rows,
      (await list(server, "limit=4&offset=4")).rows,
      (await list(server, "limit=4&offset=8")).rows,
    ];
    expect(pages[2]).toHaveLength(2);
    const all = pages.flat().map((t) => t.template);
    expect(new Set(all).size).toBe(10);
  });

  it("searches the template text case-insensitively, literally, with the stream and sort", async () => {
    server = await startTestServer();
    await ingest(server);
    const hit = await list(server, "q=CHARLIE");
    expect(hit.total).toBe("1");
    expect(hit.rows[0]!.template).toContain("charlie");
    expect((await list(server, "q=%25")).total).toBe("0");
    const db = await list(server, "stream=db&q=worker&sort=rare");
    expect(db.total).toBe("5");
    expect(db.rows.map((t) => t.count)).toEqual([2, 4, 6, 8, 10]);
  });

  it("refuses an unknown sort or a negative offset with a JSON 400", async () => {
    server = await startTestServer();
    for (const q of ["sort=alphabetical", "offset=-1"]) {
      const res = await server.app.inject({ url: `/api/v1/templates?${q}`, headers: auth });
      expect(res.statusCode, q).toBe(400);
      expect(res.json()).toHaveProperty("error");
    }
  });
});
