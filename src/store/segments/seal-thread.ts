import { Worker } from "node:worker_threads";
import type { SealWorkerData, SealWorkerMessage } from "./seal-worker.js";

export interface SealThread {
  /** Asks the thread to stop after the seal under way and waits until it has closed its connection. */
  stop(): Promise<void>;
}

/**
 * Starts the sealing loop on a thread of its own (`seal-worker.ts`), so a seal's decoding, column
 * building and compression take the second core instead of the event loop's time. The worker is
 * evaluated source (as the SQLite read threads are) that imports `seal-worker` from beside this module:
 * `.js` in a build, `.ts` under tsx or vitest, for which the worker registers tsx's loader first.
 */
export function startSealThread(
  data: SealWorkerData,
  onMessage: (message: SealWorkerMessage) => void,
  onError: (error: Error) => void,
): SealThread {
  const moduleUrl = import.meta.url.replace(/seal-thread\.(ts|js)$/, "seal-worker.$1");
  // A worker does not inherit tsx's loader in a usable state (--import tsx in its execArgv left the
  // import of a .ts module failing): it registers tsx's API itself, and is started without that flag.
  // tsx is a development dependency, there whenever `.ts` sources run.
  const tsxApi = moduleUrl.endsWith(".ts") ? import.meta.resolve("tsx/esm/api") : null;
  const worker = new Worker(SEAL_THREAD_SOURCE, {
    eval: true,
    workerData: { moduleUrl, tsxApi, data },
    ...(tsxApi ? { execArgv: withoutImports(process.execArgv) } : {}),
  });
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

/**
 * The evaluated body: nothing from outside it but `workerData`. A string rather than a function's text
 * (worker-source.ts), because under vitest a function's `import()` is rewritten to a helper that does not
 * exist in the worker.
 */
const SEAL_THREAD_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { moduleUrl, tsxApi, data } = workerData;
const loader = tsxApi ? import(tsxApi).then((tsx) => { tsx.register(); }) : Promise.resolve();
loader.then(() => import(moduleUrl)).then((m) => m.runSealWorker(data, parentPort));
`;

/** Node flags without `--import <module>` pairs (and `--import=<module>`). */
function withoutImports(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--import") i++;
    else if (!argv[i]!.startsWith("--import=")) out.push(argv[i]!);
  }
  return out;
}
