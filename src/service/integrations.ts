import type { Runtime } from "./runtime.js";
import { type RunningSources, startSources } from "./source-runner.js";

/** What `serve` runs beside the HTTP API: the configured sources (and sinks). */
export interface Integrations {
  readonly sources: RunningSources;
  /** Stops sources first, then lets the pipeline drain; call before `Runtime.close`. */
  stop(): Promise<void>;
}

export async function startIntegrations(rt: Runtime): Promise<Integrations> {
  const sources = await startSources(rt);
  let stopping: Promise<void> | undefined;
  return {
    sources,
    stop() {
      stopping ??= (async () => {
        await sources.stop();
        await rt.pipeline.stop();
      })();
      return stopping;
    },
  };
}
