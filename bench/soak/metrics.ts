/** The server's own gauges the soak reads from `GET /metrics` (prom-client defaults + Logwarden's). */
export interface ServerGauges {
  rssBytes: number;
  heapUsedBytes: number;
  /** Memory V8 has committed for its heap: live objects, garbage not yet collected and free pages it keeps. */
  heapTotalBytes: number;
  /** Heap used right after the latest full collection (0 before the first). */
  heapLiveBytes: number;
  externalBytes: number;
  /** Event-loop delay p99 since the previous scrape (prom-client resets its histogram at each scrape). */
  eventLoopP99Secs: number;
  cpuSecs: number;
  recordsStored: number;
  queueRecords: number;
  templates: number;
}

const NAMES: Record<keyof ServerGauges, string> = {
  rssBytes: "process_resident_memory_bytes",
  heapUsedBytes: "nodejs_heap_size_used_bytes",
  heapTotalBytes: "nodejs_heap_size_total_bytes",
  heapLiveBytes: "logwarden_heap_live_bytes",
  externalBytes: "nodejs_external_memory_bytes",
  eventLoopP99Secs: "nodejs_eventloop_lag_p99_seconds",
  cpuSecs: "process_cpu_seconds_total",
  recordsStored: "logwarden_ingest_records_total",
  queueRecords: "logwarden_ingest_queue_records",
  templates: "logwarden_templates",
};

export async function scrapeGauges(url: string, token: string): Promise<ServerGauges> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  return readGauges(await res.text());
}

/** Picks the unlabelled samples the soak needs out of Prometheus text; a missing one is an error. */
export function readGauges(text: string): ServerGauges {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)/.exec(line);
    if (m) values.set(m[1]!, Number(m[2]));
  }
  const out = {} as ServerGauges;
  for (const [key, name] of Object.entries(NAMES) as [keyof ServerGauges, string][]) {
    const v = values.get(name);
    if (v === undefined || Number.isNaN(v)) throw new Error(`/metrics has no ${name}`);
    out[key] = v;
  }
  return out;
}
