import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { allStoredRecords } from "../helpers/stored-logs.js";

// Issue 47: a line whose time is not read is stored with the receive time, and the answer says so.
const NOW = "2026-11-22T12:00:00.000Z";
const HEALTHAPP = "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579";
const ANDROID = "03-17 16:13:38.811  1702  2395 D WindowManager: startAnimation begin";
const NO_TIME = "disk almost full on /var";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { clock: new FakeClock(NOW) });
});
afterAll(() => server.close());

function multipart(filename: string, content: string) {
  const boundary = "----lwtimes";
  const payload = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n${content}\r\n--${boundary}--\r\n`,
  );
  return { payload, headers: { ...auth, "content-type": `multipart/form-data; boundary=${boundary}` } };
}

describe("a time that cannot be read is stored with the receive time and counted in `warnings`", () => {
  it("POST /ingest: counts the logs with no time given and none read, apart from `count`", async () => {
    const res = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: [
        { service: "health", message: HEALTHAPP },
        { service: "phone", message: ANDROID },
        { service: "disk", message: NO_TIME },
        { service: "disk", message: NO_TIME },
        { service: "disk", timestamp: "2026-11-22T11:00:00Z", message: NO_TIME },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().warnings).toEqual({ count: 0, samples: [], times_not_read: 2 });
    const times = (await allStoredRecords(server.rt.logs)).map((r) => r.timestamp).sort();
    expect(times).toEqual([
      "2017-12-23T22:15:29.606Z",
      "2026-03-17T16:13:38.811Z",
      "2026-11-22T11:00:00.000Z",
      NOW,
      NOW,
    ]);
  });

  it("POST /analyze/file: says how many records got the upload's time and where the first is", async () => {
    const file = [HEALTHAPP, HEALTHAPP.replace("29:606", "30:011"), NO_TIME, ANDROID, NO_TIME].join("\n");
    const res = await server.app.inject({
      method: "POST",
      url: "/analyze/file",
      ...multipart("HealthApp_2k.log", file),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      total_events: 5,
      warnings: { times_not_read: 2, first_without_time: "line 3" },
    });
    const clean = await server.app.inject({
      method: "POST",
      url: "/analyze/file",
      ...multipart("HealthApp_2k.log", [HEALTHAPP, ANDROID].join("\n")),
    });
    expect(clean.json().warnings).toBeUndefined();
  });
});
