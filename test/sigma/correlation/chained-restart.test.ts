import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRules } from "../../../src/sigma/load-rules.js";
import { needSharedDatasets, sharedDatasetPath } from "../../helpers/shared-datasets.js";
import { feed, securityRule, sessionOf } from "./correlation-fixtures.js";

/** The specification's complete example, one multi-document file ("Failed Logins Followed by Successful Login"). */
const EXAMPLE = `title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
status: experimental
description: Detects multiple failed logins by a single user followed by a successful login of that user
references:
    - https://reference.com
author: Florian Roth (Nextron Systems)
date: 2023-06-16
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
falsepositives:
    - Unlikely
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
description: Detects multiple failed logins within a certain amount of time
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 10
---
title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 529
            - 4625
    condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
description: Detects a successful login
name: successful_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 528
            - 4624
    condition: selection
`;
const OUTER = "b180ead8-d58f-40b2-ae54-c8940995b9b6";
const INNER = "a8418a5a-5fc4-46b5-b23b-6c73beb19d41";

describe("the specification's chained example", () => {
  it("ten failures then a success of that user within 10 minutes, citing every event", () => {
    const s = sessionOf(EXAMPLE);
    const loaded = s.engine.rules;
    // Referred rules only feed the correlation (no `generate`); the outermost correlation is the finding.
    expect(loaded.detections.map((d) => [d.name, d.standalone])).toEqual([
      ["failed_login", false],
      ["successful_login", false],
    ]);
    expect(loaded.correlations.map((c) => [c.id, c.standalone])).toEqual([
      [INNER, false],
      [OUTER, true],
    ]);
    // A success before any failure is no attack.
    expect(feed(s, 100, 4624, 0, { User: "bob" })).toEqual([]);
    for (let i = 1; i <= 9; i++) expect(feed(s, i, 4625, i * 10, { User: "bob" })).toEqual([]);
    expect(feed(s, 10, 529, 100, { User: "bob" })).toEqual([INNER]);
    // Another user's success does not complete bob's.
    expect(feed(s, 200, 4624, 110, { User: "eve" })).toEqual([]);
    const out = s.process(
      {
        timestamp: "2026-03-01T00:00:00Z",
        body: "",
        resource: {},
        attributes: {
          Event: {
            System: {
              EventID: 4624,
              Channel: "Security",
              TimeCreated: { "#attributes": { SystemTime: "2026-03-01T10:03:00Z" } },
            },
            EventData: { User: "bob" },
          },
        },
      },
      11,
    );
    expect(out.correlations.map((c) => c.rule.id)).toEqual([OUTER]);
    const match = out.correlations[0]!;
    expect(match.group).toEqual({ User: "bob" });
    expect(match.events.map((e) => e.ruleId)).toEqual([INNER, "4d0a2c83-c62c-4ed4-b475-c7e23a9269b8"]);
    // Every contributing record: the ten failures behind the inner correlation, then the success.
    expect(match.events.flatMap((e) => e.refs)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("a restart in the middle of the timespan continues where it was", () => {
    const before = sessionOf(EXAMPLE);
    for (let i = 1; i <= 6; i++) feed(before, i, 4625, i * 10, { User: "bob" });
    const saved = JSON.parse(JSON.stringify(before.correlator.exportState()));
    // A new process: same rules, state restored.
    const after = sessionOf(EXAMPLE);
    after.correlator.importState(saved);
    for (let i = 7; i <= 9; i++) expect(feed(after, i, 4625, i * 10, { User: "bob" })).toEqual([]);
    expect(feed(after, 10, 4625, 100, { User: "bob" })).toEqual([INNER]);
    expect(feed(after, 11, 4624, 200, { User: "bob" })).toEqual([OUTER]);
    // Without the restored state, the same four failures and the success are nothing.
    const fresh = sessionOf(EXAMPLE);
    for (let i = 7; i <= 10; i++) feed(fresh, i, 4625, i * 10, { User: "bob" });
    expect(feed(fresh, 11, 4624, 200, { User: "bob" })).toEqual([]);
  });

  it("state of a changed rule is dropped on restore, not misread", () => {
    const before = sessionOf(EXAMPLE);
    for (let i = 1; i <= 9; i++) feed(before, i, 4625, i * 10, { User: "bob" });
    const saved = before.correlator.exportState();
    const changed = sessionOf(EXAMPLE.replace("gte: 10", "gte: 20"));
    changed.correlator.importState(saved);
    expect(feed(changed, 10, 4625, 100, { User: "bob" })).toEqual([]);
  });

  it("generate: true makes the referred rules findings of their own too", () => {
    const s = sessionOf(
      securityRule("failed_login", "f1", 4625),
      "title: c\nid: c\ncorrelation:\n  type: event_count\n  rules: [f1]\n  group-by: [User]\n  timespan: 1h\n  generate: true\n  condition:\n    gte: 3\n",
    );
    expect(s.engine.rules.detections[0]!.standalone).toBe(true);
  });
});

const need = needSharedDatasets("Sigma correlation schema examples", "sigma/spec/tests/schema/correlation");

describe("spec/tests/schema/correlation", () => {
  it.skipIf(need.skip)(
    "every example loads with the rules it names; value_percentile is refused with a reason",
    () => {
      need.assertPresent();
      const dir = sharedDatasetPath("sigma/spec/tests/schema/correlation");
      const referred = [
        securityRule("failed", "5638f7c0-ac70-491d-8465-2a65075e0d86", 4625),
        securityRule("recon_cmd_a", "ra", 1),
        securityRule("recon_cmd_b", "rb", 2),
        securityRule("recon_cmd_c", "rc", 3),
        securityRule("rule_a", "rule_a_id", 4),
        securityRule("website_access", "wa", 5),
        securityRule("process_creation", "pc", 6),
      ];
      for (const name of readdirSync(dir).sort()) {
        const text = readFileSync(join(dir, name), "utf8");
        const loaded = loadRules([
          ...referred.map((t, i) => ({ source: `r${i}.yml`, text: t })),
          { source: name, text },
        ]);
        if (name === "value_percentile.yml") {
          expect(loaded.refused).toMatchObject([
            { kind: "correlation", reason: expect.stringMatching(/value_percentile/) },
          ]);
          continue;
        }
        expect({ name, refused: loaded.refused }).toEqual({ name, refused: [] });
        expect(loaded.correlations).toHaveLength(1);
      }
    },
  );

  it.skipIf(need.skip)("temporal_ordered.yml behaves as written", () => {
    need.assertPresent();
    const text = readFileSync(
      sharedDatasetPath("sigma/spec/tests/schema/correlation/temporal_ordered.yml"),
      "utf8",
    );
    const s = sessionOf(
      securityRule("recon_cmd_a", "ra", 1),
      securityRule("recon_cmd_b", "rb", 2),
      securityRule("recon_cmd_c", "rc", 3),
      text,
    );
    const who = { ComputerName: "ws1", User: "bob" };
    expect(feed(s, 1, 1, 0, who)).toEqual([]);
    expect(feed(s, 2, 2, 100, who)).toEqual([]);
    // Past 5 minutes from a: no match.
    expect(feed(s, 3, 3, 301, who)).toHaveLength(0);
  });
});
