import { describe, expect, it } from "vitest";
import { engineOf, matchedIds, syslogRecord, sysmonEvent, windowsEvent } from "./sigma-fixtures.js";

const rule = (id: string, logsource: string, detection = "  sel:\n    EventID|gte: 0\n  condition: sel") =>
  `title: ${id}\nid: ${id}\nlogsource:\n${logsource}\ndetection:\n${detection}\n`;

describe("log source routing", () => {
  const engine = engineOf([
    rule("proc", "  product: windows\n  category: process_creation"),
    rule("regset", "  product: windows\n  category: registry_set"),
    rule("regevent", "  product: windows\n  category: registry_event"),
    rule("security", "  product: windows\n  service: security"),
    rule("sysmon", "  product: windows\n  service: sysmon"),
    rule("anywin", "  product: windows"),
    rule("sshd", "  product: linux\n  service: sshd", "  kw:\n    - 'error in libcrypto'\n  condition: kw"),
    rule("anylinux", "  product: linux", "  kw:\n    - 'error in libcrypto'\n  condition: kw"),
    rule("aws", "  product: aws\n  service: cloudtrail", "  sel:\n    eventName: x\n  condition: sel"),
  ]);

  it("sends a Sysmon event only to the rules of its categories and services", () => {
    expect(matchedIds(engine, sysmonEvent(1, {})).sort()).toEqual(["anywin", "proc", "sysmon"]);
    // Event 13 is registry_set and registry_event both.
    expect(matchedIds(engine, sysmonEvent(13, {})).sort()).toEqual([
      "anywin",
      "regevent",
      "regset",
      "sysmon",
    ]);
    expect(engine.routedCount(sysmonEvent(13, {}))).toBe(4);
  });

  it("routes Security 4688 to process_creation, and the channel to its service", () => {
    expect(matchedIds(engine, windowsEvent("Security", 4688, {})).sort()).toEqual([
      "anywin",
      "proc",
      "security",
    ]);
    expect(matchedIds(engine, windowsEvent("Security", 4624, {})).sort()).toEqual(["anywin", "security"]);
  });

  it("reads syslog programs as Linux services; application records meet only application rules", () => {
    expect(matchedIds(engine, syslogRecord("sshd", "fatal: error in libcrypto")).sort()).toEqual([
      "anylinux",
      "sshd",
    ]);
    expect(matchedIds(engine, syslogRecord("cron", "fatal: error in libcrypto"))).toEqual(["anylinux"]);
    const app = {
      timestamp: "2026-01-01T00:00:00Z",
      body: "error in libcrypto",
      attributes: {},
      resource: { "service.name": "api" },
    };
    // Read with the application mapping (config/sigma/application-json.yaml): none of these rules is one.
    expect(matchedIds(engine, app)).toEqual([]);
    expect(engine.routedCount(app)).toBe(0);
    // A record without a service or host name is read by no mapping.
    expect(engine.evaluate({ ...app, resource: {} })).toBeNull();
  });

  it("maps Windows fields: EventData by name, System fields by the mapping", () => {
    const e = engineOf(
      rule(
        "fields",
        "  product: windows",
        "  sel:\n    Provider_Name: Microsoft-Windows-Sysmon\n    Computer|endswith: corp.local\n    Channel|contains: sysmon\n    Image|endswith: a.exe\n  condition: sel",
      ),
    );
    const ev = e.evaluate(sysmonEvent(1, { Image: "C:\\a.exe" }))!;
    expect(ev.matches.map((m) => m.rule.id)).toEqual(["fields"]);
    expect(ev.matches[0]!.fields).toEqual({
      Provider_Name: "Microsoft-Windows-Sysmon",
      Computer: "ws1.corp.local",
      Channel: "Microsoft-Windows-Sysmon/Operational",
      Image: "C:\\a.exe",
    });
    expect(ev.time).toBe(Date.parse("2026-03-01T10:00:00Z"));
    // Security 4688 names the image NewProcessName: Image reads it.
    const img = engineOf(
      rule("img", "  product: windows", "  sel:\n    Image|endswith: '\\a.exe'\n  condition: sel"),
    );
    expect(matchedIds(img, windowsEvent("Security", 4688, { NewProcessName: "C:\\a.exe" }))).toEqual(["img"]);
  });

  it("maps syslog fields: program, host, derived user and source address", () => {
    const e = engineOf(
      rule(
        "auth",
        "  product: linux\n  service: auth",
        "  sel:\n    user: root\n    src_ip|cidr: 203.0.113.0/24\n    host: web1\n    program: sshd\n  condition: sel",
      ),
    );
    const record = syslogRecord("sshd", "Failed password for root from 203.0.113.9 port 22 ssh2", {
      user: "root",
      source_ip: "203.0.113.9",
    });
    expect(matchedIds(e, record)).toEqual(["auth"]);
    expect(matchedIds(e, syslogRecord("sshd", "x", { user: "root", source_ip: "198.51.100.1" }))).toEqual([]);
  });
});
