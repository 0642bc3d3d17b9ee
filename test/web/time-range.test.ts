import { describe, expect, it } from "vitest";
import { rangeFrom, rangeFromBounds } from "../../web/src/timeRange.js";

describe("the dashboard's shared time range", () => {
  const NOW = Date.parse("2026-11-28T12:00:00Z");

  it("reads old since/until links as an absolute range, open ends filled, and all data without either", () => {
    const since = Date.parse("2026-11-27T00:00:00Z");
    const until = Date.parse("2026-11-28T00:00:00Z");
    expect(rangeFromBounds(since, until, NOW)).toEqual({ kind: "absolute", from: since, to: until });
    expect(rangeFromBounds(since, Number.NaN, NOW)).toEqual({
      kind: "absolute",
      from: since,
      to: NOW + 86_400_000,
    });
    expect(rangeFromBounds(Number.NaN, until, NOW)).toEqual({ kind: "absolute", from: 0, to: until });
    expect(rangeFromBounds(Number.NaN, Number.NaN, NOW)).toEqual({ kind: "all" });
  });

  it("prefers the picker's own parameters over the fallback", () => {
    const fallback = rangeFromBounds(0, NOW, NOW);
    expect(rangeFrom(new URLSearchParams("range=1h"), fallback)).toEqual({ kind: "preset", preset: "1h" });
    expect(rangeFrom(new URLSearchParams("range=all"), fallback)).toEqual({ kind: "all" });
    expect(rangeFrom(new URLSearchParams("range=nonsense"), fallback)).toEqual(fallback);
    expect(
      rangeFrom(new URLSearchParams("from=2026-11-27T00:00:00.000Z&to=2026-11-26T00:00:00.000Z"), fallback),
    ).toEqual(fallback);
  });
});
