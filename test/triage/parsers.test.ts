import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/db.js";
import { toIncomingAlert } from "../../src/triage/intake.js";
import { parseIntelFeed, stixPatternIocs } from "../../src/triage/intel-import.js";
import { parseAssetsCsv, parseUsersCsv } from "../../src/triage/inventory-import.js";
import { NetworkClassifier } from "../../src/triage/network.js";
import { normalizeAlert } from "../../src/triage/normalize.js";
import { assessRisk } from "../../src/triage/risk.js";
import { runCli } from "../helpers/cli.js";
import { sqliteTestStore } from "../helpers/stores.js";
import { SHA256 } from "./fixtures.js";

const d = { feed: "f", threat_level: "malicious" as const, confidence: 0.7 };

describe("intel feed formats", () => {
  it("reads plain lists, CSV and STIX 2.1 patterns", () => {
    expect(
      parseIntelFeed(
        `# bad hosts\n45.33.32.156\nEvil.Example.com  # c2\nhttp://x.test/a\n${SHA256.toUpperCase()}`,
        "auto",
        d,
      ).map((x) => [x.ioc_type, x.ioc]),
    ).toEqual([
      ["ip", "45.33.32.156"],
      ["domain", "evil.example.com"],
      ["url", "http://x.test/a"],
      ["hash", SHA256],
    ]);
    const csv = 'ioc,type,threat_level,confidence,description\n1.2.3.4,ip,suspicious,60,"scanner, noisy"\n';
    expect(parseIntelFeed(csv, "auto", d)).toEqual([
      {
        ioc: "1.2.3.4",
        ioc_type: "ip",
        feed: "f",
        threat_level: "suspicious",
        confidence: 0.6,
        description: "scanner, noisy",
      },
    ]);
    expect(
      stixPatternIocs(
        "[url:value = 'http://a.test/x'] AND [domain-name:value = 'a.test'] OR [file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
      ),
    ).toEqual([
      { value: "http://a.test/x", type: "url" },
      { value: "a.test", type: "domain" },
      { value: "d41d8cd98f00b204e9800998ecf8427e", type: "hash" },
    ]);
    expect(() => parseIntelFeed("{not json", "stix", d)).toThrow(/STIX/);
  });

  it("reads the user and asset inventories from CSV", () => {
    expect(parseUsersCsv("user_id,name,privileged,team\nu-1,alice,yes,red\n")).toEqual([
      {
        user_id: "u-1",
        name: "alice",
        email: null,
        department: null,
        privileged: true,
        attributes: { team: "red" },
      },
    ]);
    expect(
      parseAssetsCsv("asset_id,hostname,criticality\nsrv-1,db01,CRITICAL\nsrv-2,web,bogus\n").map(
        (a) => a.criticality,
      ),
    ).toEqual(["critical", "medium"]);
  });
});

describe("network classification", () => {
  it("tells private, loopback, reserved, public and named subnets apart", () => {
    const c = new NetworkClassifier({ office: "10.1.0.0/16", lab: "45.33.32.0/24" });
    expect(c.classify("10.1.2.3")).toMatchObject({
      classification: "private",
      subnet: "office",
      internal: true,
    });
    expect(c.classify("127.0.0.1")?.classification).toBe("loopback");
    expect(c.classify("203.0.113.5")?.classification).toBe("reserved");
    expect(c.classify("8.8.8.8")).toMatchObject({ classification: "public", subnet: null, internal: false });
    expect(c.classify("45.33.32.156")).toMatchObject({
      classification: "public",
      subnet: "lab",
      internal: true,
    });
    expect(c.classify("fe80::1")?.classification).toBe("link_local");
    expect(c.classify("::ffff:192.168.1.1")?.classification).toBe("private");
    expect(c.classify("not-an-ip")).toBeNull();
  });
});

describe("risk model", () => {
  it("lists every input with its points and lowers the score after false-positive verdicts", () => {
    const n = normalizeAlert(
      toIncomingAlert({ alert_id: "r-1", source_ip: "8.8.8.8", severity: "high", rule_name: "x" }, 0),
      "2026-01-01T00:00:00.000Z",
    );
    const base = {
      severity: "high" as const,
      detector_confidence: 0.9,
      asset_criticality: null,
      user_privileged: null,
      source_network: "public",
      ioc_hits: [],
      past_verdicts: { true_positive: 0, false_positive: 0 },
    };
    const r = assessRisk(n, base, 70);
    expect(r.risk_score).toBe(58);
    expect(r.inputs.contributions).toEqual([
      { input: "severity", points: 45 },
      { input: "detector_confidence", points: 8 },
      { input: "source_network", points: 5 },
    ]);
    const fp = assessRisk(n, { ...base, past_verdicts: { true_positive: 0, false_positive: 4 } }, 70);
    expect(fp.risk_score).toBe(33);
    expect(fp.risk_level).toBe("low");
  });
});

describe("logwarden import", () => {
  it("imports assets, users and an intel feed into the store", async () => {
    const ts = await sqliteTestStore();
    const dir = join(ts.store.location, "..");
    writeFileSync(join(dir, "assets.csv"), "asset_id,hostname,criticality\nsrv-1,db01,high\n");
    writeFileSync(join(dir, "bad.txt"), "45.33.32.156\n");
    const db = ts.store.location;
    await ts.store.close();
    const env = { DATABASE_URL: db };
    const a = await runCli(["import", "assets", join(dir, "assets.csv")], { env });
    expect(a.stdout).toContain("imported 1 assets");
    const i = await runCli(
      ["import", "intel", join(dir, "bad.txt"), "--feed", "ops", "--threat-level", "suspicious"],
      { env },
    );
    expect(i.stdout).toContain("imported 1 indicators");
    const bad = await runCli(["import", "things", join(dir, "bad.txt")], { env });
    expect(bad.code).not.toBe(0);
    const store = openStore({ url: db });
    expect(await store.db.selectFrom("assets").select(["asset_id", "criticality"]).execute()).toEqual([
      { asset_id: "srv-1", criticality: "high" },
    ]);
    expect(
      await store.db.selectFrom("intel_indicators").select(["ioc", "feed", "threat_level"]).execute(),
    ).toEqual([{ ioc: "45.33.32.156", feed: "ops", threat_level: "suspicious" }]);
    await store.close();
    await ts.cleanup();
  });
});
