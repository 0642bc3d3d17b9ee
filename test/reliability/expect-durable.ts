import { expect } from "vitest";
import type { CrashReport } from "./crash-harness.js";

/** The promises of docs/reliability.md, asserted on one harness run (the report is printed for the doc). */
export function expectDurable(report: CrashReport, kills: number): void {
  console.info(`[reliability] ${JSON.stringify(report)}`);
  expect(report.kills).toBe(kills);
  expect(report.starts).toBe(kills + 1);
  // Enough traffic that kills cut requests: otherwise "nothing lost" would prove nothing.
  expect(report.acknowledgedLines).toBeGreaterThan(kills * 200);
  expect(report.unacknowledgedBatches).toBeGreaterThan(0);
  expect(report.lost).toBe(0);
  expect(report.duplicated).toBe(0);
  expect(report.badRestarts).toEqual([]);
  expect(report.restoredStateOnRestart).toBeGreaterThanOrEqual(kills - 1);
  expect(report.retentionSweepsLogged).toBeGreaterThan(0);
  expect(report.unexpectedAnswers).toEqual([]);
  expect(report.finalExitCode).toBe(0);
}
