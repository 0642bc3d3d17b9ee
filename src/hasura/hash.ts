import { createHash } from "node:crypto";

/** Contract §4.4: lowercase hex MD5 of the query text exactly as received (whitespace matters). */
export function queryHash(query: string): string {
  return createHash("md5").update(query, "utf8").digest("hex");
}

/**
 * Contract §4.7.2 [Decision]: a stable string hash in [0, 999999] (the original used Python's
 * per-process randomised `hash`, so its features changed on every restart).
 */
export function stringHash(value: string): number {
  const hex = createHash("md5").update(value, "utf8").digest("hex").slice(0, 8);
  return Number.parseInt(hex, 16) % 1_000_000;
}
