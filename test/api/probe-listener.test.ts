import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenForProbes, portOf } from "../../src/api/probe-listener.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer;
let probes: Server;
let probeUrl: string;

beforeAll(async () => {
  server = await startTestServer();
  probes = await listenForProbes(server.app, 0, "127.0.0.1");
  probeUrl = `http://127.0.0.1:${portOf(probes)}`;
});

afterAll(async () => {
  probes.closeAllConnections();
  await new Promise((resolve) => probes.close(resolve));
  await server.close();
});

describe("probe port (HEALTH_PORT)", () => {
  it("answers /health, /health/live and /health/ready as the main port does", async () => {
    for (const path of ["/health", "/health/live", "/health/ready"]) {
      const res = await fetch(`${probeUrl}${path}`);
      const main = await server.app.inject({ method: "GET", url: path });
      expect(res.status, path).toBe(main.statusCode);
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort(), path).toEqual(Object.keys(main.json() as object).sort());
    }
  });

  it("answers nothing else, not even with a valid token", async () => {
    for (const path of ["/api/v1/anomalies", "/ingest", "/metrics", "/healthz", "/health/live/x"]) {
      const res = await fetch(`${probeUrl}${path}`, { headers: auth });
      expect(res.status, path).toBe(404);
    }
  });
});
