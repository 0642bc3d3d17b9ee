import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * The URL of the module `name` beside `moduleUrl`, with its extension: `.js` in a build, `.ts` under
 * tsx or vitest, where the sources run as they are.
 */
export function siblingModule(moduleUrl: string, name: string): string {
  return moduleUrl.replace(/[^/]+\.(ts|js)$/, `${name}.$1`);
}

/**
 * Starts a worker thread that imports `moduleUrl` and calls its export `main(data, parentPort)`. The
 * worker is evaluated source rather than a file path, so one way works in a build, under tsx and under
 * vitest alike; for a `.ts` module the worker registers tsx's loader first.
 */
export function startModuleThread(source: string, main: string, data: unknown): Worker {
  const moduleUrl = builtModule(source) ?? source;
  // A worker does not inherit tsx's loader in a usable state (--import tsx in its execArgv left the
  // import of a .ts module failing): it registers tsx's API itself, and is started without that flag.
  // tsx is a development dependency, there whenever `.ts` sources run.
  const tsxApi = moduleUrl.endsWith(".ts") ? import.meta.resolve("tsx/esm/api") : null;
  const start = (execArgv?: string[]) =>
    new Worker(MODULE_THREAD_SOURCE, {
      eval: true,
      workerData: { moduleUrl, main, tsxApi, data },
      ...(execArgv ? { execArgv } : {}),
    });
  if (!tsxApi) return start();
  try {
    return start(withoutImports(process.execArgv));
  } catch (error) {
    // Flags given explicitly are checked, where inherited ones are not: a V8 flag such as --trace-gc
    // (`node --trace-gc --import tsx …`) is refused. The thread then starts without the process's flags.
    if ((error as { code?: string }).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
    return start([]);
  }
}

/** The root of the sources (`src/`), from this module's place in it. */
const SOURCES = new URL("../", import.meta.url).href;

/**
 * The JavaScript of `moduleUrl` (a `.ts` module of `src/`) in LOGWARDEN_THREAD_MODULES, a build of `src/`
 * laid out as it is, when that is set and holds the file; otherwise null. The test suite's global setup
 * builds `src/` once per run and sets it (test/helpers/build-server.ts): a thread that registers tsx
 * compiles every module it imports again, about 1.3 s of CPU a thread more than the built JavaScript, and
 * the suite starts a few hundred of them.
 */
function builtModule(moduleUrl: string): string | null {
  const build = process.env.LOGWARDEN_THREAD_MODULES;
  if (!build || !moduleUrl.endsWith(".ts") || !moduleUrl.startsWith(SOURCES)) return null;
  const file = join(
    build,
    fileURLToPath(moduleUrl).slice(fileURLToPath(SOURCES).length).replace(/\.ts$/, ".js"),
  );
  return existsSync(file) ? pathToFileURL(file).href : null;
}

/**
 * The evaluated body: nothing from outside it but `workerData`. A string rather than a function's text
 * (worker-source.ts), because under vitest a function's `import()` is rewritten to a helper that does not
 * exist in the worker. A failed import is thrown, so the parent sees the worker's `error` event.
 */
const MODULE_THREAD_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { moduleUrl, main, tsxApi, data } = workerData;
const loader = tsxApi ? import(tsxApi).then((tsx) => { tsx.register(); }) : Promise.resolve();
loader.then(() => import(moduleUrl)).then((m) => m[main](data, parentPort)).catch((e) => {
  setImmediate(() => { throw e; });
});
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
