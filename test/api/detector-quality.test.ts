import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import { DAY_MS, isoUtc } from "../../src/core/time.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { finding, storeFindings } from "../helpers/stored-findings.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const NOW = Date.parse("2026-03-31T12:00:00.000Z");

describe("detector precision over the last 30 days in GET /stats and an anomaly's detail", () => {
  it("counts resolved and false-positive statuses by each finding's latest verdict", async () => {
    const clock = new FakeClock(NOW);
    server = await startTestServer({}, { clock });
    const s = server;
    const [k1, k2, k3] = await storeFindings(s.rt.store.db, [
      finding("svc:k1", { timestamp: isoUtc(NOW - DAY_MS) }),
      finding("svc:k2", { timestamp: isoUtc(NOW - 2 * DAY_MS) }),
      finding("svc:k3", { timestamp: isoUtc(NOW - 3 * DAY_MS) }),
      // Raised before the window: not among its findings.
      finding("svc:old", { timestamp: isoUtc(NOW - 40 * DAY_MS) }),
    ]);
    const detail = async (id: number | undefined) => {
      const res = await s.app.inject({ url: `/api/v1/anomalies/${id}`, headers: auth });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const setStatus = async (id: number | undefined, status: string) => {
      const res = await s.app.inject({
        method: "PATCH",
        url: `/api/v1/anomalies/${id}`,
        headers: auth,
        payload: { status },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };

    expect((await detail(k1?.id)).detector_precision).toEqual({
      detector: "error_burst",
      window_days: 30,
      judged: 0,
      true_positives: 0,
      false_positives: 0,
      precision: null,
      text: "this detector: no verdicts in the last 30 days yet",
    });

    await setStatus(k1?.id, "resolved");
    await setStatus(k2?.id, "false_positive");
    // Judged twice: false, then resolved after all; only the latest counts.
    await setStatus(k3?.id, "false_positive");
    const patched = await setStatus(k3?.id, "resolved");
    const expected = {
      detector: "error_burst",
      window_days: 30,
      judged: 3,
      true_positives: 2,
      false_positives: 1,
      precision: 2 / 3,
      text: "this detector: 2 of 3 judged findings in the last 30 days were true positives",
    };
    expect(patched.detector_precision).toEqual(expected);
    expect((await detail(k2?.id)).detector_precision).toEqual(expected);

    const stats = (await s.app.inject({ url: "/stats", headers: auth })).json();
    expect(stats.detector_quality).toMatchObject({
      window_days: 30,
      since: "2026-03-01T12:00:00.000Z",
      until: "2026-03-31T12:00:00.000Z",
    });
    expect(stats.detector_quality.detectors).toContainEqual({
      detector: "error_burst",
      findings: 3,
      findings_per_day: 0.1,
      judged: 3,
      true_positives: 2,
      false_positives: 1,
      precision: 2 / 3,
      text: "error_burst: 2 of 3 judged findings in the last 30 days were true positives; 0.1 findings a day",
    });
    // The pipeline's quiet detectors are listed too, saying nothing was judged.
    expect(stats.detector_quality.detectors).toContainEqual(
      expect.objectContaining({
        detector: "new_template",
        judged: 0,
        precision: null,
        text: expect.stringContaining("no verdicts in the last 30 days yet"),
      }),
    );
    // The all-time figures keep their shape for existing clients.
    expect(stats.detector_precision).toContainEqual({
      detector: "error_burst",
      true_positives: 2,
      false_positives: 1,
      precision: 2 / 3,
    });

    // Verdicts age out of the window.
    clock.advance(31 * DAY_MS);
    expect((await detail(k1?.id)).detector_precision).toMatchObject({ judged: 0, precision: null });
  });

  it("documents both fields in the OpenAPI description", async () => {
    server = await startTestServer();
    const doc = (await server.app.inject({ url: "/openapi.json" })).json();
    const stats = doc.paths["/stats"].get.responses["200"].content["application/json"].schema;
    expect(stats.properties.detector_quality.properties.detectors.items.required).toEqual(
      expect.arrayContaining([
        "detector",
        "findings_per_day",
        "judged",
        "true_positives",
        "precision",
        "text",
      ]),
    );
    const one = doc.paths["/api/v1/anomalies/{id}"].get.responses["200"].content["application/json"].schema;
    expect(one.properties.detector_precision.properties.text.type).toBe("string");
  });
});
