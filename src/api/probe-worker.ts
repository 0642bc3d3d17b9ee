/**
 * The probe port's own thread. Its source is handed to `new Worker(…, { eval: true })`
 * (probe-listener.ts), so it may not import anything or use anything from outside its body: a worker file
 * would need a path that exists under tsx, the test build and `dist/` alike, and an evaluated function
 * runs the same in all three.
 *
 * `/health/live` is answered here, from a heartbeat the main thread writes every `HEARTBEAT_MS` into
 * shared memory: alive while the main event loop has turned within `stallMs`, 503 once it has not, so a
 * wedged process still fails its probe while a busy one answers in microseconds whatever the main loop is
 * doing. `/health` and `/health/ready` need the store and the models: they are relayed to the main thread,
 * which answers them through the app (`inject`), in turn with everything else.
 */
export function probeWorkerMain(): void {
  const { parentPort, workerData } = process.getBuiltinModule("node:worker_threads");
  const http = process.getBuiltinModule("node:http");
  const data = workerData as { heartbeat: SharedArrayBuffer; stallMs: number; port: number; host: string };
  const beat = new Float64Array(data.heartbeat);
  const relayed = new Map<number, import("node:http").ServerResponse>();
  let nextId = 0;
  const send = (res: import("node:http").ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      // As the app's answers (security-headers.ts); the relayed ones carry the app's own.
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
    res.end(JSON.stringify(body));
  };
  parentPort!.on(
    "message",
    (m: { id: number; status: number; headers: Record<string, string>; body: string }) => {
      const res = relayed.get(m.id);
      if (!res) return;
      relayed.delete(m.id);
      res.writeHead(m.status, m.headers);
      res.end(m.body);
    },
  );
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (path === "/health/live") {
      const stalled = Date.now() - (beat[0] ?? 0);
      if (stalled <= data.stallMs) return send(res, 200, { status: "alive" });
      return send(res, 503, { status: "stalled", event_loop_stalled_ms: Math.round(stalled) });
    }
    if (path === "/health" || path === "/health/ready") {
      const id = nextId++;
      relayed.set(id, res);
      res.on("close", () => relayed.delete(id));
      parentPort!.postMessage({
        kind: "request",
        id,
        method: req.method,
        url: req.url,
        headers: req.headers,
      });
      return;
    }
    send(res, 404, { error: "Not Found", message: "only /health, /health/live, /health/ready on this port" });
  });
  server.on("error", (error) => parentPort!.postMessage({ kind: "error", message: error.message }));
  server.listen(data.port, data.host, () => {
    const address = server.address();
    parentPort!.postMessage({
      kind: "listening",
      port: typeof address === "object" && address ? address.port : 0,
    });
  });
  parentPort!.on("close", () => server.close());
}
