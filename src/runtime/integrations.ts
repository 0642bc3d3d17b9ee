import type { Runtime } from "../service/runtime.js";
import { SinkDispatcher } from "../service/sink-dispatcher.js";
import { createSinks, sinkConfigs } from "../sinks/registry.js";
import { type RunningSources, startSources } from "./source-runner.js";

/** What `serve` runs beside the HTTP API: the configured sources and notification sinks. */
export interface Integrations {
  readonly sources: RunningSources;
  /** Null when no sink is configured. */
  readonly dispatcher: SinkDispatcher | null;
  /**
   * Stops sources, lets the pipeline drain (its last anomalies still reach the sinks), then stops the
   * dispatcher; call before `Runtime.close`.
   */
  stop(): Promise<void>;
}

export async function startIntegrations(rt: Runtime): Promise<Integrations> {
  const sinks = createSinks(sinkConfigs(rt.config));
  let dispatcher: SinkDispatcher | null = null;
  if (sinks.length > 0) {
    dispatcher = new SinkDispatcher(rt.store, sinks, rt.clock, rt.log.child({ component: "sinks" }));
    await dispatcher.start();
    const d = dispatcher;
    // Chained, so another listener already on the pipeline keeps getting anomalies.
    const previous = rt.pipeline.onAnomalies;
    rt.pipeline.onAnomalies = (anomalies) => {
      previous?.(anomalies);
      d.notify(anomalies);
    };
    rt.log.info({ sinks: sinks.map((s) => `${s.name} (${s.type})`) }, "notification sinks ready");
  }
  let sources: RunningSources;
  try {
    sources = await startSources(rt);
  } catch (error) {
    await dispatcher?.stop();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    sources,
    dispatcher,
    stop() {
      stopping ??= (async () => {
        await sources.stop();
        await rt.pipeline.stop();
        await dispatcher?.stop();
      })();
      return stopping;
    },
  };
}
