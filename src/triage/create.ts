import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import { openStore, type Store } from "../store/db.js";
import type { StoredAnomaly } from "../store/repos/anomalies.js";
import type { RabbitmqTransport } from "./rabbitmq-transport.js";
import { TriageService } from "./service.js";

/**
 * What triage takes of the ingest pipeline (`IngestPipeline.onAnomalies`, src/pipeline): the anomalies
 * it stores, as it stores them. Declared here, as triage does not import the pipeline.
 */
export interface AnomalyFeed {
  onAnomalies: ((anomalies: StoredAnomaly[]) => void) | undefined;
}

/**
 * Builds the triage pipeline for a runtime: on the one store, or on TRIAGE_DATABASE_URL (system 001's
 * own `security_triage` database) when set; hooks Logwarden's anomalies into it and starts the stages.
 */
export async function createTriage(
  config: Config,
  store: Store,
  /** The ingest pipeline whose anomalies become alerts; null for a triage worker, which ingests nothing. */
  pipeline: AnomalyFeed | null,
  clock: Clock,
  log: Logger,
): Promise<{ triage: TriageService; close(): Promise<void> }> {
  let own: Store | null = null;
  if (config.triage.databaseUrl) {
    own = openStore({ url: config.triage.databaseUrl });
    try {
      await own.migrate();
    } catch (error) {
      await own.close();
      throw error;
    }
    log.info({ store: own.location }, "triage uses its own database");
  }
  const triage = new TriageService(own ?? store, config.triage, clock, log.child({ component: "triage" }));
  let transport: RabbitmqTransport | null = null;
  if (config.triage.enabled) {
    if (config.triage.transport === "rabbitmq") {
      const { RabbitmqTransport } = await import("./rabbitmq-transport.js");
      // Its own switch: RABBITMQ_URL alone turns on the notification sink, not this transport.
      const url =
        config.triage.rabbitmqUrl ?? config.sinkEnv.rabbitmqUrl ?? "amqp://guest:guest@localhost:5672/";
      transport = new RabbitmqTransport(url, triage, log.child({ component: "triage" }));
      triage.start(false);
      try {
        await transport.start();
      } catch (error) {
        await own?.close();
        throw error;
      }
    } else triage.start();
    if (pipeline) {
      // Chained, so other listeners on the pipeline keep getting anomalies.
      const previous = pipeline.onAnomalies;
      pipeline.onAnomalies = (anomalies) => {
        previous?.(anomalies);
        triage.submitAnomalies(anomalies, store);
      };
    }
  }
  return {
    triage,
    async close() {
      await transport?.close();
      await triage.stop();
      await own?.close();
    },
  };
}
