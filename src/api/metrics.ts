import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { BatchTiming } from "../pipeline/ingest-pipeline.js";
import type { AnalysisEvent } from "../service/analysis-engine.js";
import type { Runtime } from "../service/runtime.js";
import { sourceNotes } from "../service/source-notes.js";
import { detectorPrecision } from "../service/verdicts.js";
import { registerSinkMetrics } from "../sinks/metrics.js";
import { liveHeap } from "./live-heap.js";
import type { ResponseCache } from "./response-cache.js";

/** prometheus_client's default buckets: system 002's dashboards were built on them (contracts §3.5). */
export const PYTHON_DEFAULT_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** Routes whose request bodies are logs entering the pipeline (their bytes are counted). */
const INGEST_ROUTES = new Set(["/ingest", "/v1/logs"]);

/** How quickly the records/s gauge forgets: about the last 10 s weigh most. */
const RATE_HALF_LIFE_SECS = 5;

/**
 * One Prometheus registry per app (never the global one, so tests can build several apps), fed by the
 * pipeline's batch listener, the analysis engine and an onResponse hook. Values that already live
 * elsewhere (queue depth, miner counters) are read at scrape time.
 */
/** Caches whose effectiveness /metrics reports. */
export interface MetricSources {
  anomalyPages?: ResponseCache<unknown>;
}

export function createMetrics(app: FastifyInstance, rt: Runtime, sources: MetricSources = {}): Registry {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges `_total`, which `promtool check metrics` rejects (the suffix means
  // counter); the same values are in nodejs_active_handles / _requests / _resources by type.
  for (const name of [
    "nodejs_active_handles_total",
    "nodejs_active_requests_total",
    "nodejs_active_resources_total",
  ])
    registry.removeSingleMetric(name);

  // System 002's two metrics, names and help texts as the seed has them (contracts §3.5).
  const anomaliesDetected = new Counter({
    name: "anomalies_detected_total",
    help: "Total anomalies detected",
    registers,
  });
  const analysisDuration = new Histogram({
    name: "analysis_duration_seconds",
    help: "Analysis duration",
    buckets: PYTHON_DEFAULT_BUCKETS,
    registers,
  });

  const records = new Counter({
    name: "logwarden_ingest_records_total",
    help: "Log records stored by the ingest pipeline",
    registers,
  });
  const bytes = new Counter({
    name: "logwarden_ingest_bytes_total",
    help: "Bytes of accepted ingest request bodies",
    registers,
  });
  let rate = 0;
  let rateAt = performance.now();
  new Gauge({
    name: "logwarden_ingest_records_per_second",
    help: "Records stored per second, exponentially smoothed (half-life 5 s); rate(logwarden_ingest_records_total) is exact",
    registers,
    collect() {
      this.set(decayed(performance.now()));
    },
  });
  const decayed = (now: number) => rate * 0.5 ** ((now - rateAt) / 1000 / RATE_HALF_LIFE_SECS);
  new Gauge({
    name: "logwarden_ingest_queue_records",
    help: "Records waiting in the ingest queue",
    registers,
    collect() {
      this.set(rt.ingest.depth);
    },
  });
  new Counter({
    name: "logwarden_ingest_rejected_submissions_total",
    help: "Ingest submissions refused with 503 because the queue was full (dropped by the sender's retry policy)",
    registers,
    collect() {
      this.reset();
      this.inc(rt.ingest.stats.rejectedSubmissions);
    },
  });
  new Counter({
    name: "logwarden_pipeline_batches_total",
    help: "Batches committed by the ingest pipeline",
    registers,
    collect() {
      this.reset();
      this.inc(rt.pipeline.stats.batches);
    },
  });
  new Counter({
    name: "logwarden_stage_failures_total",
    help: "Records a pipeline stage failed on and set aside (its error boundary caught it; the batch went on), by stage: mine, detect:<detector>",
    labelNames: ["stage"],
    registers,
    collect() {
      this.reset();
      for (const [stage, n] of rt.pipeline.processor.quarantined) this.inc({ stage }, n);
    },
  });
  new Counter({
    name: "logwarden_source_lines_kept_as_text_total",
    help: "Lines a source read that were past the input budget or failed a decoder, stored as text with logwarden.decode_note, by source",
    labelNames: ["source"],
    registers,
    collect() {
      this.reset();
      for (const [source, notes] of sourceNotes(rt)) this.inc({ source }, notes.keptAsText);
    },
  });
  const cluster = rt.cluster;
  if (cluster) {
    new Gauge({
      name: "logwarden_cluster_partitions_owned",
      help: "Partitions this cluster node owns (mines, detects and stores)",
      registers,
      collect() {
        this.set(cluster.node.status().owned.length);
      },
    });
    new Gauge({
      name: "logwarden_cluster_nodes",
      help: "Cluster nodes alive at this node's last heartbeat",
      registers,
      collect() {
        this.set(cluster.node.status().nodes);
      },
    });
    new Counter({
      name: "logwarden_cluster_handoff_records_total",
      help: "Records this node handed to their partitions' owners (confirmed by the broker)",
      registers,
      collect() {
        this.reset();
        this.inc(cluster.publisher.stats.publishedRecords);
      },
    });
    new Gauge({
      name: "logwarden_cluster_partitions_failed",
      help: "Partitions this node could not start (their saved state would not load); /health names them",
      registers,
      collect() {
        this.set(cluster.node.status().failed.length);
      },
    });
    new Gauge({
      name: "logwarden_cluster_entity_owner",
      help: "1 while this node holds the entity lease: it judges users, addresses, WiFi devices and sessions across every stream (brute force, spraying, new source IP, login hours, privilege escalation, WiFi bursts, sequences)",
      registers,
      collect() {
        this.set(cluster.node.entities.held ? 1 : 0);
      },
    });
    new Counter({
      name: "logwarden_cluster_entity_facts_judged_total",
      help: "Facts (authentication events, WiFi lines, keyed session lines) this node judged as the entity owner, passed on by every partition",
      registers,
      collect() {
        this.reset();
        this.inc(cluster.node.entities.judgedFacts);
      },
    });
    new Gauge({
      name: "logwarden_cluster_entity_facts_waiting",
      help: "Facts passed on and not judged yet, reported by the entity owner's node (0 elsewhere): growing means findings about users, addresses, WiFi devices and sessions wait",
      registers,
      async collect() {
        this.set((await cluster.node.entities.waitingFacts().catch(() => null)) ?? 0);
      },
    });
    new Counter({
      name: "logwarden_cluster_dead_letters_total",
      help: "Messages this node's partitions moved to the dead-letter queue instead of taking them, by reason: not_a_handoff (undecodable), delivery_limit (delivered too often), batch_failed (failed while PostgreSQL answered)",
      labelNames: ["reason"],
      registers,
      collect() {
        this.reset();
        for (const [reason, n] of cluster.node.deadLetters) this.inc({ reason }, n);
      },
    });
  }
  const sealingStats = rt.logs.sealingStats?.bind(rt.logs);
  if (sealingStats) {
    // Read once per scrape for both gauges: the second collect reuses the first's query.
    let pending: ReturnType<typeof sealingStats> | undefined;
    const stats = () => {
      pending ??= sealingStats().finally(() => {
        pending = undefined;
      });
      return pending;
    };
    new Gauge({
      name: "logwarden_log_unsealed_lines",
      help: "Log lines appended to the segment store and not sealed into segments yet (LOG_STORE=segments): a growing value means sealing is behind",
      registers,
      async collect() {
        this.set((await stats()).unsealedLines);
      },
    });
    new Gauge({
      name: "logwarden_log_segments",
      help: "Sealed log segments (LOG_STORE=segments)",
      registers,
      async collect() {
        this.set((await stats()).segments);
      },
    });
  }
  const stage = new Histogram({
    name: "logwarden_pipeline_stage_duration_seconds",
    help: "Time per batch in each pipeline stage: mine (templates), detect, store (database writes)",
    labelNames: ["stage"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  liveHeap();
  new Gauge({
    name: "logwarden_heap_live_bytes",
    help: "V8 heap used right after the latest full garbage collection (0 before the first): the live heap, which a leak grows",
    registers,
    collect() {
      this.set(liveHeap().bytes);
    },
  });
  new Gauge({
    name: "logwarden_templates",
    help: "Live templates in the miner",
    registers,
    collect() {
      this.set(rt.pipeline.processor.miner.stats().templates);
    },
  });
  new Counter({
    name: "logwarden_template_evictions_total",
    help: "Templates evicted by the per-stream cap (MINER_MAX_TEMPLATES_PER_STREAM)",
    registers,
    collect() {
      this.reset();
      this.inc(rt.pipeline.processor.miner.stats().evictions);
    },
  });
  new Counter({
    name: "logwarden_template_truncated_lines_total",
    help: "Lines cut by the token cap (MINER_MAX_TOKENS_PER_LINE) before mining",
    registers,
    collect() {
      this.reset();
      this.inc(rt.pipeline.processor.miner.stats().truncatedLines);
    },
  });
  const anomalies = new Counter({
    name: "logwarden_anomalies_total",
    help: "Anomalies raised by the ingest pipeline's detectors (new and merged repeats)",
    labelNames: ["detector", "severity"] as const,
    registers,
  });
  const http = new Histogram({
    name: "logwarden_http_request_duration_seconds",
    help: "HTTP request duration by route template, method and status code",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  const onBatch = (t: BatchTiming) => {
    records.inc(t.records);
    stage.observe({ stage: "mine" }, t.mineSecs);
    stage.observe({ stage: "detect" }, t.detectSecs);
    stage.observe({ stage: "store" }, t.storeSecs);
    for (const a of t.anomalies) anomalies.inc({ detector: a.detector, severity: a.severity });
    const now = performance.now();
    // Exponential smoothing of records/s: decay what we had, add this batch's contribution.
    const k = Math.LN2 / RATE_HALF_LIFE_SECS;
    rate = decayed(now) + t.records * k;
    rateAt = now;
  };
  const onAnalysis = (e: AnalysisEvent) => {
    anomaliesDetected.inc(e.anomalies);
    analysisDuration.observe(e.seconds);
  };
  rt.pipeline.batchListeners.add(onBatch);
  rt.analysis.listeners.add(onAnalysis);
  app.addHook("onClose", async () => {
    rt.pipeline.batchListeners.delete(onBatch);
    rt.analysis.listeners.delete(onAnalysis);
  });
  app.addHook("onResponse", async (request, reply) => {
    // The route template, never the raw URL: ids and typos must not mint new series.
    const route = request.routeOptions.url ?? "unmatched";
    http.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (INGEST_ROUTES.has(route) && reply.statusCode < 400) {
      const length = Number(request.headers["content-length"]);
      if (Number.isFinite(length) && length > 0) bytes.inc(length);
    }
  });
  registerSinkMetrics(registry);
  new Gauge({
    name: "logwarden_detector_precision_ratio",
    help: "Per-detector precision from people's verdicts (resolved = true positive, false_positive = false)",
    labelNames: ["detector"],
    registers,
    async collect() {
      this.reset();
      for (const p of await detectorPrecision(rt.store)) {
        if (p.precision !== null) this.set({ detector: p.detector }, p.precision);
      }
    },
  });
  const pages = sources.anomalyPages;
  if (pages) {
    new Counter({
      name: "logwarden_anomaly_page_cache_lookups_total",
      help: "GET /api/v1/anomalies page-cache lookups by result: hit (sent from memory) or miss (read from the store)",
      labelNames: ["result"] as const,
      registers,
      collect() {
        this.reset();
        this.inc({ result: "hit" }, pages.hits);
        this.inc({ result: "miss" }, pages.misses);
      },
    });
    new Gauge({
      name: "logwarden_anomaly_page_cache_bytes",
      help: "Bytes of encoded anomaly pages kept in memory",
      registers,
      collect() {
        this.set(pages.totalBytes);
      },
    });
  }
  return registry;
}
