import type { Command } from "commander";
import type { ProbeListener } from "../../api/probe-listener.js";
import {
  addConfigOptions,
  addLoggingOptions,
  addServiceOptions,
  configFromFlags,
  fail,
} from "../config-flags.js";
import { exitOnBrokenInvariant, stopOnce } from "../shutdown.js";

export function registerServeCommand(program: Command): void {
  addLoggingOptions(addServiceOptions(addConfigOptions(program.command("serve"))))
    .description("run the HTTP service: ingest, detection, API (SQLite by default)")
    .action(async (flags) => {
      const config = await configFromFlags(flags).catch(fail);
      const [
        { buildApp },
        { isoUtc },
        { createRuntime },
        { countActiveTokens, createToken },
        { createLogger },
        { startIntegrations },
        { startDetectorSchedule },
        { listenForProbes },
        { announceServer },
      ] = await Promise.all([
        import("../../api/app.js"),
        import("../../core/time.js"),
        import("../../runtime/create-runtime.js"),
        import("../../store/repos/tokens.js"),
        import("../../telemetry/logger.js"),
        import("../../runtime/integrations.js"),
        import("../../runtime/detector-schedule.js"),
        import("../../api/probe-listener.js"),
        import("../../runtime/server-presence.js"),
      ]);
      const log = createLogger(config.logLevel, 2, config.logFormat);
      exitOnBrokenInvariant(log);
      const rt = await createRuntime(config, log).catch(fail);
      for (const group of config.openRoutes) {
        log.warn({ group }, `OPEN_ROUTES: the '${group}' routes accept requests without a credential`);
      }
      if (!config.healthToken)
        log.warn("HEALTH_TOKEN is not set: GET /api/v1/anomalies accepts only API tokens");
      if (!config.apiToken && (await countActiveTokens(rt.store.db)) === 0) {
        const { token } = await createToken(
          rt.store.db,
          "bootstrap admin",
          ["read", "ingest", "admin"],
          isoUtc(Date.now()),
        );
        process.stdout.write(
          `\nNo API token existed, so an admin token was created. It is shown only this once; keep it:\n\n  ${token}\n\n` +
            `Use it as: curl -H "Authorization: Bearer ${token}" http://${config.host}:${config.port}/incidents\n\n`,
        );
      }
      const app = await buildApp(rt, { logRequests: true });
      // Sources and sinks start before the socket opens, so a busy syslog port fails the start.
      const integrations = await startIntegrations(rt).catch(async (error: unknown) => {
        await rt.close();
        return fail(error);
      });
      // Detector models retrain and silence is noticed on timers (DETECTOR_RETRAIN_INTERVAL_SECS, DETECTOR_TICK_SECS).
      const schedule = startDetectorSchedule(rt, {
        retrainSecs: config.detectors.retrainIntervalSecs,
        tickSecs: config.detectors.tickSecs,
      });
      let probes: ProbeListener | undefined;
      let withdrawPresence = async () => {};
      const stop = stopOnce(
        log,
        (signal) => log.info({ signal }, "shutting down: no new requests, draining the pipeline"),
        async () => {
          await probes?.close();
          // Fastify closes the connections idle at the signal; one whose request was in flight is kept
          // alive after its answer until keepAliveTimeout (72 s), and the close waits for it: the exit came
          // 70 s after the last answer (test/reliability/sigterm-drain.test.ts). Closed once idle instead.
          const closeIdle = setInterval(() => app.server.closeIdleConnections(), 100);
          await app.close().finally(() => clearInterval(closeIdle));
          schedule.stop();
          await integrations.stop();
          await withdrawPresence();
          await rt.close();
          log.info("shutdown complete");
        },
      );
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
      try {
        await app.listen({ port: config.port, host: config.host });
      } catch (error) {
        await integrations.stop();
        await rt.close();
        fail(error);
      }
      const address = app.server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      if (config.healthPort !== undefined) {
        probes = await listenForProbes(app, config.healthPort, config.host).catch(async (error: unknown) => {
          await app.close();
          await integrations.stop();
          await rt.close();
          return fail(error);
        });
        log.info(
          { host: config.host, port: probes.port },
          "probes (/health, /health/live, /health/ready) also on their own port, answered on a thread of their own",
        );
      }
      // Other processes on this store (`logwarden mcp`) see a server running and only read beside it.
      withdrawPresence = await announceServer(rt.store, port, rt.clock, log);
      // Operators of system 004 look for exactly this line (contracts §5.1).
      log.info({ host: config.host, port, store: rt.store.location }, `Server listening on port ${port}`);
    });
}
