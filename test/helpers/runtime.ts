import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { type AppOptions, buildApp } from "../../src/api/app.js";
import { loadConfig } from "../../src/config/load.js";
import type { Clock } from "../../src/core/clock.js";
import { createRuntime } from "../../src/runtime/create-runtime.js";
import type { Runtime } from "../../src/service/runtime.js";
import { createLogger } from "../../src/telemetry/logger.js";

export const ADMIN_TOKEN = "test-admin-token";

export interface TestServer {
  rt: Runtime;
  app: FastifyInstance;
  dataDir: string;
  /** Closes app and runtime; keeps the data dir unless `remove`. */
  close(remove?: boolean): Promise<void>;
}

/** A real runtime on a temp SQLite file (or `dataDir` to reopen one), with the app built but not listening. */
export async function startTestServer(
  env: Record<string, string> = {},
  options: { dataDir?: string; clock?: Clock; app?: AppOptions } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "logwarden-api-"));
  const config = loadConfig({
    env: { DATA_DIR: dataDir, API_TOKEN: ADMIN_TOKEN, LOG_LEVEL: "silent", ...env },
  });
  const rt = await createRuntime(config, createLogger("silent"), options.clock);
  const app = await buildApp(rt, options.app);
  return {
    rt,
    app,
    dataDir,
    async close(remove = true) {
      await app.close();
      await rt.close();
      if (remove) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
