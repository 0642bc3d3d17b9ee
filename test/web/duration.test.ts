import { describe, expect, it } from "vitest";
import { formatDuration, humanizeSeconds } from "../../web/src/duration.js";

describe("durations in the dashboard", () => {
  it("shows the two largest units", () => {
    expect(formatDuration(2_310_283)).toBe("26 d 17 h");
    expect(formatDuration(300)).toBe("5 min");
    expect(formatDuration(3_725)).toBe("1 h 2 min");
    expect(formatDuration(86_400)).toBe("1 d");
    expect(formatDuration(90_061)).toBe("1 d 1 h");
    expect(formatDuration(59.6)).toBe("1 min");
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(0)).toBe("0 s");
  });

  it("rewrites seconds in detector text, and nothing else", () => {
    expect(humanizeSeconds("60 records from webapp in 300 s (expected 0–16)")).toBe(
      "60 records from webapp in 5 min (expected 0–16)",
    );
    expect(humanizeSeconds("no activity for 2310283 s; 3 sessions")).toBe(
      "no activity for 26 d 17 h; 3 sessions",
    );
    expect(humanizeSeconds("5 sessions, 12 s3 buckets")).toBe("5 sessions, 12 s3 buckets");
  });
});
