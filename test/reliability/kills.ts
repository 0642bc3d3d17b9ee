/** Kills per run: RELIABILITY_KILLS overrides (at least 10, the harness's promise; more for a longer soak). */
export function killsPerRun(fallback: number): number {
  const asked = Number(process.env.RELIABILITY_KILLS);
  return Number.isInteger(asked) && asked >= 10 ? asked : fallback;
}
