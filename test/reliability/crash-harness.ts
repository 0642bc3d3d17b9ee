import { setTimeout as sleep } from "node:timers/promises";
import { type ServeProcess, startServe } from "../helpers/cli.js";
import { ADMIN_TOKEN, IngestClient } from "./ndjson-client.js";
import type { ProbeTarget, StoreSnapshot } from "./store-probe.js";

/** Saves and sweeps made frequent so that kills land on them (both keys are in .env.example). */
const STATE_SAVE_SECS = 0.2;
const RETENTION_SWEEP_SECS = 1;

export type KillMoment = "random" | "retention-sweep" | "state-save";

export interface CrashReport {
  store: string;
  kills: number;
  killMoments: Record<KillMoment, number>;
  starts: number;
  sentLines: number;
  acknowledgedLines: number;
  ackedBatches: number;
  unacknowledgedBatches: number;
  /** Acknowledged lines absent from the store at the end. */
  lost: number;
  /** Lines stored more than once (acknowledged or not). */
  duplicated: number;
  /** Lines stored although their batch was never acknowledged (allowed: the kill cut the answer). */
  storedUnacknowledged: number;
  /** Restarts where an earlier life's acknowledged line was missing, a template was dangling or fewer. */
  badRestarts: string[];
  restoredStateOnRestart: number;
  templatesAtEnd: number;
  retentionSweepsLogged: number;
  unexpectedAnswers: string[];
  finalExitCode: number | null;
  seconds: number;
}

export interface CrashOptions {
  kills: number;
  /** Sequential NDJSON senders, so requests are in flight at every kill. */
  senders: number;
  linesPerBatch: number;
  /**
   * Lines of each batch the last sender sends instead: enough for a body of 64 KiB or more, which a
   * decode thread decodes (src/api/ingest-decode), so kills land on that path too.
   */
  linesPerLargeBatch?: number;
  /**
   * Runs once the senders have stopped, before the final look and stop: for a store whose background
   * work (sealing) the test wants finished, whatever the machine's speed.
   */
  settle?: () => Promise<void>;
}

/**
 * Streams NDJSON into a real `logwarden serve`, SIGKILLs it `kills` times at chosen moments, restarts it on
 * the same store each time, and checks after every restart and at the end that acknowledged lines are all
 * stored exactly once, templates are never behind their lines, and saved state comes back.
 */
export async function runCrashHarness(target: ProbeTarget, options: CrashOptions): Promise<CrashReport> {
  const t0 = Date.now();
  const env = {
    ...target.env,
    API_TOKEN: ADMIN_TOKEN,
    LOG_FORMAT: "json",
    INGEST_STATE_SAVE_SECS: String(STATE_SAVE_SECS),
    RETENTION_CLEANUP_INTERVAL_SECS: String(RETENTION_SWEEP_SECS),
    STORAGE_PATH: target.dataDir,
    DETECTOR_TICK_SECS: "1",
  };
  const client = new IngestClient(options.linesPerBatch);
  const report: CrashReport = {
    store: target.name,
    kills: 0,
    killMoments: { random: 0, "retention-sweep": 0, "state-save": 0 },
    starts: 0,
    sentLines: 0,
    acknowledgedLines: 0,
    ackedBatches: 0,
    unacknowledgedBatches: 0,
    lost: 0,
    duplicated: 0,
    storedUnacknowledged: 0,
    badRestarts: [],
    restoredStateOnRestart: 0,
    templatesAtEnd: 0,
    retentionSweepsLogged: 0,
    unexpectedAnswers: [],
    finalExitCode: null,
    seconds: 0,
  };
  let server: ServeProcess | null = null;
  let previous: StoreSnapshot | null = null;
  let sending = true;
  const senders = Array.from({ length: options.senders }, async (_, s) => {
    const lines = s === options.senders - 1 ? options.linesPerLargeBatch : undefined;
    while (sending) {
      if (server) await client.send(server.url, lines);
      else await sleep(20);
    }
  });

  const start = async (life: number): Promise<ServeProcess> => {
    const hadState = previous?.stateSavedAt != null;
    const s = await startServe(env, 60_000);
    report.starts++;
    if (/restored pipeline state/.test(s.stderr())) report.restoredStateOnRestart++;
    else if (hadState) report.badRestarts.push(`life ${life}: saved state existed but was not restored`);
    const now = await target.snapshot();
    const problems = checkRestart(client.acknowledged, previous, now);
    for (const p of problems) report.badRestarts.push(`life ${life}: ${p}`);
    previous = now;
    return s;
  };

  try {
    for (let life = 1; life <= options.kills; life++) {
      server = await start(life);
      const moment: KillMoment = (["random", "retention-sweep", "state-save"] as const)[life % 3]!;
      await waitForKillMoment(server, moment);
      const victim = server;
      server = null;
      await victim.stop("SIGKILL");
      report.kills++;
      report.killMoments[moment]++;
      report.retentionSweepsLogged += countMatches(victim.stderr(), /hasura retention cleanup"/g);
      console.info(
        `[reliability] ${target.name} kill ${life} (${moment}) at ${((Date.now() - t0) / 1000).toFixed(1)} s, ${client.acknowledged.size} lines acknowledged`,
      );
    }
    server = await start(options.kills + 1);
    // Let the last life take some load too, then stop the senders and take the final look.
    await sleep(500);
    sending = false;
    await Promise.all(senders);
    await options.settle?.();
    const end = await target.snapshot();
    for (const p of checkRestart(client.acknowledged, previous, end)) report.badRestarts.push(`end: ${p}`);
    for (const seq of client.acknowledged) if (!end.rowsPerSeq.has(seq)) report.lost++;
    for (const [seq, n] of end.rowsPerSeq) {
      if (n > 1) report.duplicated++;
      if (!client.acknowledged.has(seq)) report.storedUnacknowledged++;
    }
    report.templatesAtEnd = end.templates;
    const last: ServeProcess = server;
    server = null;
    report.retentionSweepsLogged += countMatches(last.stderr(), /hasura retention cleanup"/g);
    report.finalExitCode = await last.stop("SIGTERM");
  } finally {
    sending = false;
    const left = server as ServeProcess | null;
    if (left) await left.stop("SIGKILL");
    await Promise.all(senders);
  }
  report.sentLines = client.sent;
  report.acknowledgedLines = client.acknowledged.size;
  report.ackedBatches = client.ackedBatches;
  report.unacknowledgedBatches = client.unacknowledgedBatches;
  report.unexpectedAnswers = client.unexpected;
  report.seconds = Math.round((Date.now() - t0) / 100) / 10;
  return report;
}

/** What must hold each time the server comes back: nothing acknowledged lost, nothing twice, no lag. */
function checkRestart(
  acknowledged: ReadonlySet<number>,
  before: StoreSnapshot | null,
  now: StoreSnapshot,
): string[] {
  const problems: string[] = [];
  let missing = 0;
  for (const seq of acknowledged) if (!now.rowsPerSeq.has(seq)) missing++;
  if (missing > 0) problems.push(`${missing} acknowledged lines missing`);
  let twice = 0;
  for (const n of now.rowsPerSeq.values()) if (n > 1) twice++;
  if (twice > 0) problems.push(`${twice} lines stored twice`);
  if (now.danglingTemplateIds > 0)
    problems.push(`${now.danglingTemplateIds} template ids used by logs but not stored`);
  if (before && now.templates < before.templates)
    problems.push(`templates went from ${before.templates} to ${now.templates}`);
  if (before?.stateSavedAt && (!now.stateSavedAt || now.stateSavedAt < before.stateSavedAt))
    problems.push(`saved state went back from ${before.stateSavedAt} to ${now.stateSavedAt}`);
  return problems;
}

/**
 * Waits for the moment to kill. A retention sweep starts every RETENTION_SWEEP_SECS, logged when done, so
 * the kill goes one interval after a logged sweep, when the next is due; state is saved after a batch once
 * STATE_SAVE_SECS passed, so under steady ingest the kill goes at a multiple of it after startup.
 */
async function waitForKillMoment(server: ServeProcess, moment: KillMoment): Promise<void> {
  if (moment === "random") return sleep(200 + Math.random() * 1_300);
  if (moment === "state-save") return sleep(STATE_SAVE_SECS * 1000 * (2 + Math.floor(Math.random() * 5)));
  const seen = countMatches(server.stderr(), /hasura retention cleanup"/g);
  const deadline = Date.now() + 5_000;
  while (countMatches(server.stderr(), /hasura retention cleanup"/g) === seen && Date.now() < deadline)
    await sleep(10);
  await sleep(RETENTION_SWEEP_SECS * 1000 - 5 + Math.random() * 10);
}

function countMatches(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
