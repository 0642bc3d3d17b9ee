import { describe, expect, it } from "vitest";
import { encodeAnomalyListPage, localSeconds } from "../../src/api/anomaly-list-json.js";
import type { AnomalyListTuple } from "../../src/store/repos/anomaly-search.js";

describe("encodeAnomalyListPage", () => {
  const rows: AnomalyListTuple[] = [
    [
      7,
      "wifi",
      3,
      "2025-03-02T08:15:00.123Z",
      "wifi_anomaly",
      0.97,
      'He said "hi"\n\u2028 é 🚀 \\ </script>',
      '{"log_count":420,"nested":{"a":[1,2]}}',
      "2025-03-02T08:16:00.000Z",
    ],
    [6, "error_burst", null, "2025-03-02 08:00:00", "burst", 1, null, null, "2025-03-02T08:00:00+02:00"],
    [5, "x", null, "2025-03-01T00:00:00.000Z", "t", 0.5, "", "not json", "2025-03-01T00:00:00.000Z"],
    [4, "x", null, "2025-03-01T00:00:00.000Z", "t", 0.5, "d", "[1,2]", "2025-03-01T00:00:00.000Z"],
  ];

  it("gives the JSON of the typed rows, field for field and in the contract's order", () => {
    const typed = rows.map((r) => {
      let features: unknown = null;
      if (r[7] !== null) {
        try {
          features = JSON.parse(r[7]);
        } catch {
          features = {};
        }
      }
      return {
        id: r[0],
        agent_name: r[1],
        device_id: r[2],
        timestamp: localSeconds(r[3]),
        anomaly_type: r[4],
        confidence: r[5],
        description: r[6],
        features,
        created_at: localSeconds(r[8]),
      };
    });
    const encoded = encodeAnomalyListPage(rows);
    expect(encoded).toBe(JSON.stringify(typed));
    expect(JSON.parse(encoded)[1].created_at).toBe("2025-03-02T06:00:00");
  });

  it("encodes an empty page as an empty array", () => {
    expect(encodeAnomalyListPage([])).toBe("[]");
  });
});
