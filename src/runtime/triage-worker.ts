import type { Logger } from "pino";
import { ConfigError } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { type Clock, systemClock } from "../core/clock.js";
import { createTriage } from "../triage/create.js";
import type { TriageService } from "../triage/service.js";
import { openMigratedStore } from "./create-runtime.js";

export interface TriageWorker {
  readonly triage: TriageService;
  /** Stops consuming, finishes the batches in hand (acknowledged once persisted), closes the store. */
  close(): Promise<void>;
}

/**
 * `logwarden worker triage`: the four triage stages' consumers and nothing else (no HTTP, no ingest), on
 * the configured store and RabbitMQ. Any number of workers and `serve` nodes share each stage's queue; a
 * message is acknowledged only once its stage has persisted it, so one lost with its worker is redelivered
 * to another, and the stages' claims (`markStage`) keep a redelivered alert from being triaged twice.
 */
export async function startTriageWorker(
  config: Config,
  log: Logger,
  clock: Clock = systemClock,
): Promise<TriageWorker> {
  const problems: string[] = [];
  if (!config.triage.enabled)
    problems.push("TRIAGE_ENABLED is false: a triage worker would have nothing to run");
  if (config.triage.transport !== "rabbitmq")
    problems.push(
      "TRIAGE_TRANSPORT: a triage worker takes alerts from RabbitMQ, so it must be 'rabbitmq' (with TRIAGE_RABBITMQ_URL or RABBITMQ_URL)",
    );
  if (problems.length > 0) throw new ConfigError(problems);
  const store = await openMigratedStore(config, log);
  try {
    const { triage, close } = await createTriage(config, store, null, clock, log);
    log.info({ store: store.location }, "triage worker consuming");
    return {
      triage,
      async close() {
        try {
          await close();
        } finally {
          await store.close();
        }
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
