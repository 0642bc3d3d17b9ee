import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHOWN_LINE_BYTES } from "../../src/core/line-limit.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

/**
 * Issue 50 item 5: every read bounds what it returns. 22 lines of 512 KiB each (stored whole: the
 * limit is raised to 1 MiB here, as an operator may) come back in a page of 16 KiB each, saying so, while
 * a context's own line (the single-line fetch) comes back whole; templates and anomaly evidence the same.
 */
const LINE_BYTES = 512 * 1024;
/** 22 ERROR lines in a minute are an error burst: one with evidence to read. */
const LINES = 22;

function line(i: number): string {
  const head = `longpage line ${i} user=alice from 10.0.0.${i} `;
  return head + "x".repeat(LINE_BYTES - head.length);
}

describe("a page of long lines", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ MAX_LINE_BYTES: String(1024 * 1024) });
    const res = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: Array.from({ length: LINES }, (_, i) => ({
        service: "longpage",
        level: "ERROR",
        message: line(i),
      })),
    });
    expect(res.statusCode).toBe(200);
    // Stored whole: within the raised limit, nothing cut and nothing to warn about.
    expect(res.json().warnings?.count ?? 0).toBe(0);
  });

  afterAll(() => server?.close());

  it("GET /api/v1/logs shows 16 KiB of each line, saying so, in a bounded answer", async () => {
    const res = await server.app.inject({ url: "/api/v1/logs?q=longpage&limit=100", headers: auth });
    expect(res.statusCode).toBe(200);
    const rows = res.json() as {
      message: string;
      truncated?: boolean;
      message_bytes?: number;
      template: string;
    }[];
    expect(rows).toHaveLength(LINES);
    for (const r of rows) {
      expect(r.truncated).toBe(true);
      expect(r.message_bytes).toBe(LINE_BYTES);
      expect(Buffer.byteLength(r.message)).toBeLessThanOrEqual(SHOWN_LINE_BYTES);
      expect(r.message.startsWith("longpage line ")).toBe(true);
      expect(r.message.endsWith("…")).toBe(true);
    }
    // 11 MiB stored; the page is about 22 × 16 KiB of message (and as much of template at most).
    const bytes = Buffer.byteLength(res.body);
    expect(bytes).toBeLessThan(LINES * SHOWN_LINE_BYTES * 2 + 8_192);
    console.log(
      `[long lines] GET /api/v1/logs, ${LINES} lines of ${LINE_BYTES} bytes: ${bytes} bytes answered`,
    );
  });

  it("a context shows its own line whole and the lines around it cut", async () => {
    const [newest] = (
      await server.app.inject({ url: "/api/v1/logs?q=longpage&limit=1", headers: auth })
    ).json() as {
      id: number;
    }[];
    const res = await server.app.inject({
      url: `/api/v1/logs/${newest!.id}/context?before=5&after=5`,
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      line: { message: string; truncated?: boolean };
      before: { message: string; truncated?: boolean }[];
    };
    expect(Buffer.byteLength(body.line.message)).toBe(LINE_BYTES);
    expect(body.line.truncated).toBeUndefined();
    expect(body.before).toHaveLength(5);
    for (const b of body.before) {
      expect(b.truncated).toBe(true);
      expect(Buffer.byteLength(b.message)).toBeLessThanOrEqual(SHOWN_LINE_BYTES);
    }
    expect(Buffer.byteLength(res.body)).toBeLessThan(LINE_BYTES + 12 * SHOWN_LINE_BYTES * 2);
  });

  it("templates and the anomaly's evidence are bounded too", async () => {
    const templates = await server.app.inject({ url: "/api/v1/templates?limit=100", headers: auth });
    expect(templates.statusCode).toBe(200);
    for (const t of templates.json() as {
      template: string;
      truncated?: boolean;
      template_bytes?: number;
    }[]) {
      expect(Buffer.byteLength(t.template)).toBeLessThanOrEqual(SHOWN_LINE_BYTES);
      if (t.truncated) expect(t.template_bytes).toBeGreaterThan(SHOWN_LINE_BYTES);
    }
    const anomalies = (
      await server.app.inject({ url: "/api/v1/anomalies?limit=50", headers: auth })
    ).json() as {
      id: number;
    }[];
    for (const a of anomalies) {
      const detail = await server.app.inject({ url: `/api/v1/anomalies/${a.id}`, headers: auth });
      expect(detail.statusCode).toBe(200);
      for (const e of (detail.json() as { evidence_records: { message: string; truncated?: boolean }[] })
        .evidence_records)
        expect(Buffer.byteLength(e.message)).toBeLessThanOrEqual(SHOWN_LINE_BYTES);
      expect(Buffer.byteLength(detail.body)).toBeLessThan(2 * 1024 * 1024);
    }
  });
});
