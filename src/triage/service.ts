import type { Logger } from "pino";
import type { TriageConfig } from "../config/triage-schema.js";
import type { Clock } from "../core/clock.js";
import { UnavailableError, UserError } from "../core/errors.js";
import type { JsonObject } from "../core/json.js";
import { isoUtc } from "../core/time.js";
import type { Store } from "../store/db.js";
import { cachedIntel, contextOf } from "../store/repos/alert-enrichment.js";
import {
  claimStalledAlerts,
  deleteAlerts,
  getAlert,
  insertAlerts,
  markDeadLetter,
  type StoredAlert,
  toIncoming,
} from "../store/repos/alerts.js";
import type { StoredAnomaly } from "../store/repos/anomalies.js";
import { anomaliesToAlerts } from "./anomaly-alerts.js";
import { contextStage } from "./context-stage.js";
import type { TriageDeps } from "./deps.js";
import { IncidentGrouper } from "./incidents.js";
import { IntelLookup, iocKey } from "./intel-lookup.js";
import { markListedFindings } from "./intel-raise.js";
import { intelStage } from "./intel-stage.js";
import { extractIocs } from "./iocs.js";
import { createLlmAnalyzer } from "./llm.js";
import { NetworkClassifier } from "./network.js";
import { normalizeAlert } from "./normalize.js";
import { normalizeStage } from "./normalize-stage.js";
import { reasonOf, type StageHandler, StageRunner } from "./stage-runner.js";
import { triageStage } from "./triage-stage.js";
import type { AlertStatus, IncomingAlert, IntelVerdict, StageName, TriageMessage } from "./types.js";

export type ConsumerStage = Exclude<StageName, "alert-ingestor">;

/** Each consuming stage, the queue it reads (contracts §2.2) and the status an alert has while waiting there. */
export const CONSUMERS: [ConsumerStage, string, AlertStatus, (d: TriageDeps) => StageHandler][] = [
  ["alert-normalizer", "alert.raw", "received", normalizeStage],
  ["context-collector", "alert.normalized", "received", contextStage],
  ["threat-intel-aggregator", "alert.enriched", "enriched", intelStage],
  ["ai-triage-agent", "alert.intel", "intel_checked", triageStage],
];

export interface SubmitResult {
  accepted: string[];
  duplicates: string[];
}

/**
 * System 001's pipeline in one process (docs/triage.md): the ingestor inserts into `alerts`, then four
 * stage runners hand each batch on in order; each stage persists before the next runs.
 */
export class TriageService {
  readonly deps: TriageDeps;
  readonly runners: Map<ConsumerStage, StageRunner>;
  #started = false;
  #resumeTimer: NodeJS.Timeout | null = null;
  /** Anomaly hand-overs still inserting, so `stop` waits for them before the store closes. */
  readonly #submitting = new Set<Promise<void>>();
  /**
   * Hands messages to a stage: its in-process queue by default; the RabbitMQ transport replaces it with a
   * publish to the stage's queue (contracts §2.2 names) that resolves once the broker confirmed it, so
   * nothing is acknowledged (to a client or to the previous stage's queue) before the hand-off is durable.
   */
  route: (stage: ConsumerStage, messages: TriageMessage[]) => Promise<void> = async (stage, messages) =>
    this.runners.get(stage)!.push(messages);
  /** False while a transport's broker connection is down: every stage then reports unhealthy. */
  transportOk: () => boolean = () => true;

  /** `log` is the triage logger (`createTriage` binds `component: "triage"`); stages add their name. */
  constructor(store: Store, config: TriageConfig, clock: Clock, log: Logger) {
    this.deps = {
      store,
      config,
      clock,
      log,
      network: new NetworkClassifier(config.internalSubnets),
      intel: new IntelLookup(config.intelTtlSecs),
      incidents: new IncidentGrouper(config),
      llm: createLlmAnalyzer(config.llm),
    };
    this.runners = new Map();
    let previous: StageRunner | null = null;
    for (const [name, queue, , make] of CONSUMERS) {
      const runner = new StageRunner(name, queue, make(this.deps), {
        batchSize: config.batchSize,
        maxAttempts: config.maxAttempts,
        retryBaseMs: config.retryBaseMs,
        log: log.child({ stage: name }),
        deadLetter: (m, error, attempts) =>
          markDeadLetter(store.db, m.alert.alert_id, name, error, attempts, isoUtc(clock.now())),
      });
      if (previous) previous.next = (messages) => this.route(name, messages);
      this.runners.set(name, runner);
      previous = runner;
    }
  }

  /** In process: starts every stage at once. A transport starts each runner itself once it consumes. */
  start(runners = true): void {
    if (this.#started) return;
    this.#started = true;
    if (runners) for (const r of this.runners.values()) r.start();
    const after = this.deps.config.resumeAfterSecs;
    if (after > 0) {
      this.#resumeTimer = setInterval(
        () => {
          this.resumeStalled().catch((error: unknown) =>
            this.deps.log.error({ err: error }, "could not look for alerts left between stages"),
          );
        },
        Math.min(60_000, (after * 1000) / 2),
      );
      this.#resumeTimer.unref();
    }
  }

  /**
   * Hands on again the alerts that have waited between stages longer than `resumeAfterSecs`: their node
   * died after storing them and before handing them on (or before its broker confirmed), and nothing else
   * would ever move them. Each is rebuilt from what the earlier stages stored and routed to the stage its
   * status waits for. A repeat of an alert that was only slow is harmless: the stages' writes are
   * idempotent and the last stage triages an alert once. Returns how many were handed on.
   */
  async resumeStalled(limit = 500): Promise<number> {
    const after = this.deps.config.resumeAfterSecs;
    if (after <= 0) return 0;
    const now = this.deps.clock.now();
    const stalled = await claimStalledAlerts(this.deps.store, isoUtc(now - after * 1000), isoUtc(now), limit);
    if (stalled.length === 0) return 0;
    const byStage = new Map<ConsumerStage, TriageMessage[]>();
    for (const alert of stalled) {
      const stage = CONSUMERS.find(([, , waiting]) => waiting === alert.status)?.[0];
      if (!stage) continue;
      const list = byStage.get(stage) ?? [];
      list.push(await this.rebuild(alert));
      byStage.set(stage, list);
    }
    for (const [stage, messages] of byStage) await this.route(stage, messages);
    this.deps.log.warn(
      { alerts: stalled.length, older_than_secs: after },
      "handed on again alerts left between stages",
    );
    return stalled.length;
  }

  get started(): boolean {
    return this.#started;
  }

  /**
   * alert-ingestor: inserts the new alerts (one statement per 500) and hands them to `alert.raw`.
   * An `alert_id` already stored, or repeated within the batch, is a duplicate (contracts §2.4).
   */
  async submit(alerts: IncomingAlert[], removeUnsent = true): Promise<SubmitResult> {
    const seen = new Set<string>();
    const unique: IncomingAlert[] = [];
    const duplicates: string[] = [];
    for (const a of alerts) {
      if (seen.has(a.alert_id)) duplicates.push(a.alert_id);
      else {
        seen.add(a.alert_id);
        unique.push(a);
      }
    }
    const now = isoUtc(this.deps.clock.now());
    const accepted: string[] = [];
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500);
      const inserted = await insertAlerts(
        this.deps.store.db,
        chunk.map((alert) => ({ alert, ruleName: normalizeAlert(alert, now).rule.name })),
        now,
      );
      const fresh: TriageMessage[] = [];
      for (const a of chunk) {
        if (inserted.has(a.alert_id)) {
          accepted.push(a.alert_id);
          fresh.push({ alert: a, enrichment: {} });
        } else duplicates.push(a.alert_id);
      }
      try {
        await this.route("alert-normalizer", fresh);
      } catch (error) {
        // Not handed on, so not accepted: removed again, so the sender's retry inserts and sends them anew
        // instead of meeting them as duplicates. Alerts made from anomalies have no sender to retry: they
        // stay stored, and `resumeStalled` hands them on once the broker is back.
        if (!removeUnsent) throw error;
        await deleteAlerts(
          this.deps.store.db,
          fresh.map((m) => m.alert.alert_id),
        );
        throw new UnavailableError(
          `the triage queue did not take the alerts (${reasonOf(error)}); send them again`,
        );
      }
    }
    return { accepted, duplicates };
  }

  /**
   * The pipeline's anomaly hook: findings from an address listed in the threat-intel feeds are marked so
   * and raised to the configured severity (`markListedFindings`), then those at or above it become alerts.
   * `anomalyStore` holds the findings when triage has a database of its own.
   */
  submitAnomalies(anomalies: StoredAnomaly[], anomalyStore: Store = this.deps.store): void {
    const min = this.deps.config.anomalyMinSeverity;
    const pending = (async () => {
      const now = isoUtc(this.deps.clock.now());
      const marked = await markListedFindings(anomalyStore, this.deps.store.db, anomalies, min, now);
      const alerts = anomaliesToAlerts(marked, min);
      if (alerts.length > 0) await this.submit(alerts, false);
    })()
      .catch((error: unknown) => this.deps.log.error({ err: error }, "could not turn anomalies into alerts"))
      .finally(() => this.#submitting.delete(pending));
    this.#submitting.add(pending);
  }

  /** Puts a dead-letter alert back at the stage that failed, with what the earlier stages stored. */
  async retry(alertId: string): Promise<StoredAlert> {
    const alert = await getAlert(this.deps.store.db, alertId);
    if (!alert) throw new UserError(`no alert ${alertId}`, "not_found", 404);
    if (alert.status !== "dead_letter")
      throw new UserError(`alert ${alertId} is ${alert.status}, not dead_letter`, "conflict", 409);
    const entry = CONSUMERS.find(([name]) => name === alert.stage) ?? CONSUMERS[0]!;
    const [stage, , waitingStatus] = entry;
    const message = await this.rebuild(alert);
    const now = isoUtc(this.deps.clock.now());
    await this.deps.store.db
      .updateTable("alerts")
      .set({ status: waitingStatus, stage: null, updated_at: now })
      .where("alert_id", "=", alertId)
      .execute();
    try {
      await this.route(stage, [message]);
    } catch (error) {
      // Its status already says where it waits, so the stalled-alert sweep hands it on later anyway.
      throw new UnavailableError(`the triage queue did not take the alert (${reasonOf(error)}); try again`);
    }
    return { ...alert, status: waitingStatus, stage: null };
  }

  /** A stage's input message from the database: the earlier stages' results are all persisted. */
  async rebuild(alert: StoredAlert): Promise<TriageMessage> {
    const incoming = toIncoming(alert);
    const normalized = normalizeAlert(incoming, alert.created_at);
    const message: TriageMessage = { alert: incoming, normalized, enrichment: {} };
    for (const c of await contextOf(this.deps.store.db, alert.alert_id)) {
      if (c.context_type === "network") message.enrichment.source_network = c.context_data;
      if (c.context_type === "asset") message.enrichment.asset = c.context_data;
      if (c.context_type === "user") message.enrichment.user = c.context_data;
    }
    const iocs = extractIocs(normalized);
    const cached = await cachedIntel(
      this.deps.store.db,
      iocs.map((i) => i.ioc),
    );
    const intel: Record<string, IntelVerdict> = {};
    for (const i of iocs) {
      const v = cached.get(iocKey(i));
      if (v) intel[i.field] = { ...v, field: i.field, details: v.details as JsonObject };
    }
    if (Object.keys(intel).length > 0) message.enrichment.threat_intel = intel;
    return message;
  }

  /** Resolves once every queue is empty and no stage is working (tests, bench, shutdown). */
  async idle(): Promise<void> {
    // Findings still being marked and handed over are work too: their alerts are not in a queue yet.
    await Promise.all([...this.#submitting]);
    for (;;) {
      const busy = [...this.runners.values()].filter((r) => r.busy);
      if (busy.length === 0) return;
      await Promise.all(busy.map((r) => r.settled()));
    }
  }

  /** `GET /health`'s `stages` (contracts §2.2): one entry per compose name. */
  health(storeOk: boolean): Record<StageName, { status: "healthy" | "unhealthy" }> {
    const up = storeOk && this.transportOk();
    const state = (ok: boolean) => ({
      status: ok && up ? ("healthy" as const) : ("unhealthy" as const),
    });
    const out = { "alert-ingestor": state(this.#started) } as Record<
      StageName,
      { status: "healthy" | "unhealthy" }
    >;
    for (const [name, runner] of this.runners) out[name] = state(runner.healthy);
    return out;
  }

  stats() {
    return Object.fromEntries(
      [...this.runners].map(([name, r]) => [
        name,
        {
          queue: r.depth,
          processed: r.processed,
          dead_lettered: r.deadLettered,
          last_error: r.lastError,
          busy_ms: Math.round(r.busyMs),
        },
      ]),
    );
  }

  async stop(): Promise<void> {
    if (this.#resumeTimer) clearInterval(this.#resumeTimer);
    await Promise.all([...this.#submitting]);
    await this.idle();
    for (const r of this.runners.values()) await r.stop();
  }
}
