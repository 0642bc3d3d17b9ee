import { lineLimitOf } from "../config/schema.js";
import type { Source, SourceContext } from "../core/source.js";
import { isoUtc } from "../core/time.js";
import type { Runtime } from "../service/runtime.js";
import { noteCommitted } from "../service/source-notes.js";
import { createSources, sourceConfigs } from "../sources/registry.js";
import { storeCheckpoints } from "../store/repos/checkpoints.js";

export interface RunningSources {
  readonly sources: readonly Source[];
  /** Stops every source (each hands what it read to the pipeline and saves its position). */
  stop(): Promise<void>;
}

/** The context a source runs with in this runtime: the pipeline's submit and the store's checkpoints. */
export function sourceContext(rt: Runtime, source: string): SourceContext {
  return {
    submit: async (records, submission) => {
      await rt.ingest.submit(records, submission);
      noteCommitted(rt, source, records);
    },
    checkpoints: storeCheckpoints(rt.store.db, () => isoUtc(rt.clock.now())),
    log: rt.log.child({ source }),
    clock: rt.clock,
    lineLimit: lineLimitOf(rt.config),
  };
}

/** Starts the configured sources; a source that cannot start stops the ones already started and throws. */
export async function startSources(rt: Runtime, sources?: readonly Source[]): Promise<RunningSources> {
  const list = sources ?? createSources(sourceConfigs(rt.config));
  const started: Source[] = [];
  try {
    for (const source of list) {
      await source.start(sourceContext(rt, source.name));
      started.push(source);
    }
  } catch (error) {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    const name = list[started.length]?.name ?? "?";
    throw new Error(`source '${name}' could not start: ${(error as Error).message}`);
  }
  return {
    sources: started,
    async stop() {
      await Promise.all(
        started.map((s) =>
          s.stop().catch((err: unknown) => rt.log.error({ err, source: s.name }, "stopping source failed")),
        ),
      );
    },
  };
}
