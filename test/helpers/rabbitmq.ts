import { execFileSync } from "node:child_process";
import amqp from "amqplib";
import { noteSkip } from "./skips.js";

/** The RabbitMQ used by tests: `TEST_RABBITMQ_URL`, else the local server `.ci/run` starts. */
export const TEST_RABBITMQ_URL = process.env.TEST_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672/";

/** The one connection attempt of this worker: nothing when it answered, else why not. */
let probe: Promise<Error | undefined> | undefined;

/**
 * True when the broker answers; when it does not, the asking test file prints a `[skip]` line (once), except
 * in CI, where it must answer: there this throws.
 */
export async function rabbitmqAvailable(): Promise<boolean> {
  probe ??= (async () => {
    try {
      const conn = await amqp.connect(TEST_RABBITMQ_URL, { timeout: 2_000 });
      await conn.close();
      return undefined;
    } catch (error) {
      return error as Error;
    }
  })();
  const error = await probe;
  if (!error) return true;
  if (process.env.CI)
    throw new Error(`RabbitMQ is required in CI but ${TEST_RABBITMQ_URL} failed: ${String(error)}`);
  noteSkip("RabbitMQ tests", `nothing answers at ${TEST_RABBITMQ_URL} (${error.message})`);
  return false;
}

/** The triage transport's queues (docs/triage.md, "Transport"). */
export const TRIAGE_QUEUES = ["alert.raw", "alert.normalized", "alert.enriched", "alert.intel"] as const;

/** Deletes the triage queues a test declared under its own `prefix`. */
export async function deleteTriageQueues(prefix: string): Promise<void> {
  const conn = await amqp.connect(TEST_RABBITMQ_URL);
  const ch = await conn.createChannel();
  for (const q of TRIAGE_QUEUES) await ch.deleteQueue(`${prefix}${q}`);
  await conn.close();
}

/**
 * Deletes the `partitions` cluster partition queues a test declared under its own `prefix` (issue 16), and
 * the dead-letter queue declared with them.
 */
export async function deletePartitionQueues(prefix: string, partitions: number): Promise<void> {
  const conn = await amqp.connect(TEST_RABBITMQ_URL);
  const ch = await conn.createChannel();
  for (let p = 0; p < partitions; p++) await ch.deleteQueue(`${prefix}partition.${p}`);
  await ch.deleteQueue(`${prefix}dead-letter`);
  await conn.close();
}

/** Ready messages in each of the `partitions` partition queues under `prefix` (unacknowledged ones not counted). */
export async function partitionQueueDepths(prefix: string, partitions: number): Promise<number[]> {
  const conn = await amqp.connect(TEST_RABBITMQ_URL);
  try {
    const ch = await conn.createChannel();
    const depths: number[] = [];
    for (let p = 0; p < partitions; p++)
      depths.push((await ch.checkQueue(`${prefix}partition.${p}`)).messageCount);
    return depths;
  } finally {
    await conn.close();
  }
}

/**
 * `rabbitmqctl` on this machine's broker (the one `.ci/run` starts), or null where there is none to drive
 * (the test then skips, saying why `what` cannot run; in CI it fails instead).
 */
export function brokerControl(what: string): ((command: "stop_app" | "start_app") => void) | null {
  try {
    execFileSync("rabbitmqctl", ["-q", "status"], { stdio: "ignore", timeout: 30_000 });
  } catch (error) {
    if (process.env.CI)
      throw new Error(`CI must be able to restart RabbitMQ with rabbitmqctl: ${String(error)}`);
    noteSkip("RabbitMQ restarts", `${what} (rabbitmqctl cannot drive the local RabbitMQ)`);
    return null;
  }
  return (command) => execFileSync("rabbitmqctl", ["-q", command], { stdio: "ignore", timeout: 60_000 });
}
