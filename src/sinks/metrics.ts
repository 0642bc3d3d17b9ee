import { Counter, Gauge, type Registry } from "prom-client";

/**
 * Delivery counters, created once and added to whichever registry `/metrics` serves
 * (`registerSinkMetrics`). The dispatcher updates them whether or not a registry shows them.
 */
export const sinkDeliveries = new Counter({
  name: "logwarden_sink_deliveries_total",
  help: "Anomaly deliveries to notification sinks by outcome (delivered, failed = will retry, dead = gave up)",
  labelNames: ["sink", "type", "outcome"] as const,
  registers: [],
});

export const sinkEnqueued = new Counter({
  name: "logwarden_sink_enqueued_total",
  help: "Anomalies queued for delivery to a notification sink",
  labelNames: ["sink", "type"] as const,
  registers: [],
});

export const sinkBacklog = new Gauge({
  name: "logwarden_sink_backlog",
  help: "Deliveries waiting (pending or failed and due for a retry) per notification sink",
  labelNames: ["sink", "type"] as const,
  registers: [],
});

const registered = new WeakSet<Registry>();

/** Adds the sink delivery metrics to a prom-client registry (idempotent per registry). */
export function registerSinkMetrics(registry: Registry): void {
  if (registered.has(registry)) return;
  registered.add(registry);
  registry.registerMetric(sinkDeliveries);
  registry.registerMetric(sinkEnqueued);
  registry.registerMetric(sinkBacklog);
}
