import { siblingModule, startModuleThread } from "../../threads/module-thread.js";
import type { SealWorkerData, SealWorkerMessage } from "./seal-worker.js";

export interface SealThread {
  /** Asks the thread to stop after the seal under way and waits until it has closed its connection. */
  stop(): Promise<void>;
}

/**
 * Starts the sealing loop on a thread of its own (`seal-worker.ts`), so a seal's decoding, column
 * building and compression take the second core instead of the event loop's time (started by
 * `module-thread.ts`, which works in a build, under tsx and under vitest alike).
 */
export function startSealThread(
  data: SealWorkerData,
  onMessage: (message: SealWorkerMessage) => void,
  onError: (error: Error) => void,
): SealThread {
  const worker = startModuleThread(siblingModule(import.meta.url, "seal-worker"), "runSealWorker", data);
  let stopped = false;
  let closed: () => void = () => {};
  // "stopped" (the connection closed) or the thread's end, whichever comes first: a thread whose
  // loader registered hooks does not end by itself, so it is terminated once it has said it stopped.
  const done = new Promise<void>((resolve) => {
    closed = resolve;
    worker.once("exit", () => resolve());
  });
  worker.on("message", (m: SealWorkerMessage) => {
    if (m.type === "stopped") closed();
    onMessage(m);
  });
  worker.on("error", (error) => {
    if (!stopped) onError(error);
  });
  return {
    async stop() {
      stopped = true;
      worker.postMessage("stop");
      await done;
      await worker.terminate();
    },
  };
}
