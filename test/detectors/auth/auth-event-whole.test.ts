import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type AuthEvent, authEventOf } from "../../../src/detectors/auth/auth-event.js";
import { decodeLine } from "../../../src/parsers/decoders/index.js";

/**
 * Every field of the event each line states, as `authEventOf` gave them before its text forms were built
 * field by field instead of spread from a shared base (`textFact`): the golden file was written by that
 * code, so a default that moved (a count, a `mirrored`, a missing fingerprint) fails here.
 */
const GOLDEN = JSON.parse(
  readFileSync(new URL("./auth-event-whole.golden.json", import.meta.url), "utf8"),
) as { line: string; event: AuthEvent | null }[];

const ctx = { observedAt: "2026-03-01T00:00:00.000Z" };

describe("authEventOf (whole events, golden file)", () => {
  it.each(GOLDEN.map((g) => [g.line, g.event] as const))("%s", (line, expected) => {
    expect(authEventOf(decodeLine(line, ctx))).toStrictEqual(expected);
  });
});
