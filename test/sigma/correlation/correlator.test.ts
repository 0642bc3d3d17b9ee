import { describe, expect, it } from "vitest";
import { feed, securityRule, sessionOf, T0 } from "./correlation-fixtures.js";

/**
 * The examples of the correlation specification (sigma-correlation-rules-specification.md, v2.1), each
 * with the detection rules it refers to, behaving as the document says.
 */
describe("correlation specification examples", () => {
  it("event_count: 100 failed logins to one ComputerName within 1h", () => {
    const s = sessionOf(
      securityRule("failed_login", "5638f7c0-ac70-491d-8465-2a65075e0d86", 4625),
      `title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
correlation:
    type: event_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - ComputerName
    timespan: 1h
    condition:
        gte: 100
`,
    );
    const fired: number[] = [];
    for (let i = 0; i < 99; i++) if (feed(s, i, 4625, i * 30, { ComputerName: "dc1" }).length) fired.push(i);
    // Another host's failures are another group.
    expect(feed(s, 500, 4625, 10, { ComputerName: "dc2" })).toEqual([]);
    expect(fired).toEqual([]);
    // The 100th within the hour (99 × 30 s = 49.5 min).
    expect(feed(s, 99, 4625, 99 * 30, { ComputerName: "dc1" })).toEqual([
      "0e95725d-7320-415d-80f7-004da920fc11",
    ]);
    // Counting starts again after a match: the next failure is one, not 101.
    expect(feed(s, 100, 4625, 100 * 30, { ComputerName: "dc1" })).toEqual([]);
  });

  it("event_count: failures spread over more than the timespan do not add up", () => {
    const s = sessionOf(
      securityRule("failed_login", "f1", 4625),
      "title: c\nid: c\ncorrelation:\n  type: event_count\n  rules: [f1]\n  group-by: [ComputerName]\n  timespan: 1h\n  condition:\n    gte: 3\n",
    );
    expect(feed(s, 1, 4625, 0, { ComputerName: "dc1" })).toEqual([]);
    expect(feed(s, 2, 4625, 1800, { ComputerName: "dc1" })).toEqual([]);
    // 3601 s after the first: it left the window.
    expect(feed(s, 3, 4625, 3601, { ComputerName: "dc1" })).toEqual([]);
    expect(feed(s, 4, 4625, 3700, { ComputerName: "dc1" })).toEqual(["c"]);
  });

  it("value_count: 100 distinct users per ComputerName and WorkstationName in a day", () => {
    const s = sessionOf(
      securityRule("failed_login", "5638f7c0-ac70-491d-8465-2a65075e0d86", 4625),
      `title: Failed login
id: 0e95725d-7320-415d-80f7-004da920fc12
correlation:
    type: value_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - ComputerName
        - WorkstationName
    timespan: 1d
    condition:
        field: User
        gte: 100
`,
    );
    const host = { ComputerName: "dc1", WorkstationName: "ws7" };
    // The same user again and again is one value.
    for (let i = 0; i < 150; i++) expect(feed(s, i, 4625, i, { ...host, User: "alice" })).toEqual([]);
    for (let i = 1; i < 99; i++)
      expect(feed(s, 200 + i, 4625, 200 + i, { ...host, User: `user${i}` })).toEqual([]);
    // Another workstation's users are another group.
    expect(feed(s, 400, 4625, 400, { ComputerName: "dc1", WorkstationName: "ws8", User: "user99" })).toEqual(
      [],
    );
    expect(feed(s, 401, 4625, 401, { ...host, User: "user99" })).toEqual([
      "0e95725d-7320-415d-80f7-004da920fc12",
    ]);
  });

  it("temporal: three recon commands in any order within 5m on one computer by one user", () => {
    const s = sessionOf(
      securityRule("recon_cmd_a", "ra", 1001),
      securityRule("recon_cmd_b", "rb", 1002),
      securityRule("recon_cmd_c", "rc", 1003),
      `title: Recon
id: recon
correlation:
    type: temporal
    rules:
        - recon_cmd_a
        - recon_cmd_b
        - recon_cmd_c
    group-by:
        - ComputerName
        - User
    timespan: 5m
`,
    );
    const who = { ComputerName: "ws1", User: "bob" };
    expect(feed(s, 1, 1003, 0, who)).toEqual([]);
    expect(feed(s, 2, 1001, 60, who)).toEqual([]);
    // Another user's b does not complete bob's set.
    expect(feed(s, 3, 1002, 90, { ComputerName: "ws1", User: "eve" })).toEqual([]);
    expect(feed(s, 4, 1002, 120, who)).toEqual(["recon"]);
    // Too far apart: c at 1000 s, a at 1200 s, b at 1400 s (c left the 5 minutes).
    expect(feed(s, 5, 1003, 1000, who)).toEqual([]);
    expect(feed(s, 6, 1001, 1200, who)).toEqual([]);
    expect(feed(s, 7, 1002, 1400, who)).toEqual([]);
  });

  it("temporal_ordered: the rules in the order written", () => {
    const s = sessionOf(
      securityRule("recon_cmd_a", "ra", 1001),
      securityRule("recon_cmd_b", "rb", 1002),
      securityRule("recon_cmd_c", "rc", 1003),
      "title: Recon ordered\nid: ordered\ncorrelation:\n  type: temporal_ordered\n  rules: [recon_cmd_a, recon_cmd_b, recon_cmd_c]\n  group-by: [ComputerName, User]\n  timespan: 5m\n",
    );
    const who = { ComputerName: "ws1", User: "bob" };
    // c, b, a: all three, but not in order.
    expect(feed(s, 1, 1003, 0, who)).toEqual([]);
    expect(feed(s, 2, 1002, 10, who)).toEqual([]);
    expect(feed(s, 3, 1001, 20, who)).toEqual([]);
    // Then b and c after that a: in order.
    expect(feed(s, 4, 1002, 30, who)).toEqual([]);
    expect(feed(s, 5, 1003, 40, who)).toEqual(["ordered"]);
    // A tick while a sequence is under way keeps it (its steps are within the timespan).
    expect(feed(s, 6, 1001, 100, who)).toEqual([]);
    expect(s.tick(T0 + 160_000)).toEqual([]);
    expect(feed(s, 7, 1002, 170, who)).toEqual([]);
    expect(feed(s, 8, 1003, 180, who)).toEqual(["ordered"]);
  });

  it("aliases: group by a field named differently in each rule", () => {
    const s = sessionOf(
      `title: internal error\nid: ie\nname: internal_error\nlogsource: {product: windows, service: security}\ndetection:\n  selection:\n    EventID: 500\n  condition: selection\n`,
      `title: new connection\nid: nc\nname: new_network_connection\nlogsource: {product: windows, service: security}\ndetection:\n  selection:\n    EventID: 5156\n  condition: selection\n`,
      `title: alias
id: alias
correlation:
    type: temporal
    rules:
        - internal_error
        - new_network_connection
    group-by:
        - internal_ip
        - remote_ip
    timespan: 10s
    aliases:
        internal_ip:
            internal_error: destination.ip
            new_network_connection: source.ip
        remote_ip:
            internal_error: source.ip
            new_network_connection: destination.ip
`,
    );
    expect(feed(s, 1, 500, 0, { "destination.ip": "10.0.0.5", "source.ip": "203.0.113.9" })).toEqual([]);
    // Same addresses the other way round in the connection: same group.
    expect(feed(s, 2, 5156, 5, { "source.ip": "10.0.0.5", "destination.ip": "203.0.113.9" })).toEqual([
      "alias",
    ]);
    // Not the mirror image: another group.
    expect(feed(s, 3, 500, 20, { "destination.ip": "10.0.0.5", "source.ip": "203.0.113.9" })).toEqual([]);
    expect(feed(s, 4, 5156, 22, { "source.ip": "10.0.0.6", "destination.ip": "203.0.113.9" })).toEqual([]);
  });

  it("value_sum and value_avg over a numeric field", () => {
    const sum = sessionOf(
      securityRule("website_access", "wa", 7000),
      "title: Possible Exfiltration\nid: sum\ncorrelation:\n  type: value_sum\n  rules: [website_access]\n  group-by: [SourceIP, User]\n  timespan: 1h\n  condition:\n    field: bytes_sent\n    gt: 1000000\n",
    );
    const who = { SourceIP: "10.0.0.5", User: "bob" };
    expect(feed(sum, 1, 7000, 0, { ...who, bytes_sent: 600000 })).toEqual([]);
    expect(feed(sum, 2, 7000, 60, { ...who, bytes_sent: "400000" })).toEqual([]);
    expect(feed(sum, 3, 7000, 120, { ...who, bytes_sent: 1 })).toEqual(["sum"]);
    const avg = sessionOf(
      securityRule("rule_a", "rule_a_id", 7000),
      "title: avg\nid: avg\ncorrelation:\n  type: value_avg\n  rules: [rule_a_id]\n  group-by: [SourceIP, User]\n  timespan: 24h\n  condition:\n    field: BytesOut\n    gt: 500\n",
    );
    expect(feed(avg, 1, 7000, 0, { ...who, BytesOut: 100 })).toEqual([]);
    expect(feed(avg, 2, 7000, 10, { ...who, BytesOut: 800 })).toEqual([]);
    // (100 + 800 + 1000) / 3 = 633 > 500.
    expect(feed(avg, 3, 7000, 20, { ...who, BytesOut: 1000 })).toEqual(["avg"]);
  });

  it("an upper bound is judged when the window has passed (few events in the timespan)", () => {
    const s = sessionOf(
      securityRule("heartbeat", "hb", 9000),
      "title: quiet\nid: quiet\ncorrelation:\n  type: event_count\n  rules: [hb]\n  group-by: [ComputerName]\n  timespan: 10m\n  condition:\n    lt: 3\n",
    );
    expect(feed(s, 1, 9000, 0, { ComputerName: "a" })).toEqual([]);
    expect(feed(s, 2, 9000, 60, { ComputerName: "a" })).toEqual([]);
    // Nothing more for 10 minutes of record time: the tick closes the window, two is fewer than three.
    const closed = s.tick(T0 + 11 * 60_000);
    expect(closed.map((c) => [c.rule.id, c.value, c.events.map((e) => e.refs[0])])).toEqual([
      ["quiet", 2, [1, 2]],
    ]);
  });
});
