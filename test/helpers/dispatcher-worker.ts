import { parentPort, workerData } from "node:worker_threads";
import { webhookSinkSchema } from "../../src/config/sink-schema.js";
import { systemClock } from "../../src/core/clock.js";
import { SinkDispatcher } from "../../src/service/sink-dispatcher.js";
import { WebhookSink } from "../../src/sinks/webhook.js";
import { openStore } from "../../src/store/db.js";
import { createLogger } from "../../src/telemetry/logger.js";

/**
 * A sink dispatcher on a thread of its own, with its own connection, as another process would run it:
 * on SQLite, a second connection in the test's own thread cannot wait for the write lock while the first
 * holds it across awaits (the busy wait blocks the thread the holder needs to finish). The parent sends
 * "stop" and gets "stopped" back.
 */
export interface DispatcherWorkerData {
  url: string;
  webhookUrl: string;
  name: string;
}

const { url, webhookUrl, name } = workerData as DispatcherWorkerData;
const store = openStore({ url });
const sink = new WebhookSink(
  "hook",
  webhookSinkSchema.parse({ type: "webhook", name: "hook", url: webhookUrl, headers: { "x-worker": name } }),
);
const dispatcher = new SinkDispatcher(store, [sink], systemClock, createLogger("silent"), { pollMs: 5 });
await dispatcher.start();
parentPort!.postMessage("started");
parentPort!.once("message", async () => {
  await dispatcher.stop();
  await store.close();
  parentPort!.postMessage("stopped");
});
