import { createServer, type Server } from "node:http";
import type { FastifyInstance } from "fastify";

/** What the probe port answers; everything else there is 404. */
const PROBE_PATHS = new Set(["/health", "/health/live", "/health/ready"]);

/**
 * A second listening socket, for liveness and readiness probes only, answered by the same app (same
 * routes, hooks and logs). libuv accepts one connection per event-loop iteration on each listening socket,
 * so under overload a probe's fresh connection on the main port waits behind every client connection
 * queued before it (50-140 of them, and 5-20 s, at three times the sustained ingest rate); on a port of its
 * own it waits for about one iteration. `HEALTH_PORT`; off when unset.
 */
export async function listenForProbes(app: FastifyInstance, port: number, host: string): Promise<Server> {
  await app.ready();
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (PROBE_PATHS.has(path)) return app.routing(req, res);
    res.writeHead(404, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ error: "Not Found", message: `only ${[...PROBE_PATHS].join(", ")} on this port` }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

/** The bound port (differs from the configured one when it is 0). */
export function portOf(server: Server): number {
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
}
