import { describe, expect, it } from "vitest";
import type { Anomaly } from "../../src/core/anomaly.js";
import { FakeClock } from "../../src/core/clock.js";
import type { JsonObject } from "../../src/core/json.js";
import type { LogRecord } from "../../src/core/log-record.js";
import { MINER_DEFAULTS } from "../../src/core/template.js";
import { isoUtc } from "../../src/core/time.js";
import { VolumeDetector } from "../../src/detectors/volume.js";
import { createMiner } from "../../src/parsers/create-miner.js";
import {
  exportShared,
  exportStreams,
  importPartitions,
  knownStreams,
} from "../../src/pipeline/partition-state.js";
import { Processor } from "../../src/pipeline/processor.js";
import { volumeOptions } from "../helpers/volume-options.js";

/**
 * Issue 46 item 3: a service's lines from different sources (two uploaded files, two machines behind one
 * syslog sender) share the service's templates but not its detectors' state (`ParsedRecord.origin`), unless
 * the user says they are one stream (DETECTOR_STREAMS_BY_SOURCE=false).
 */
const T0 = Date.parse("2026-03-02T00:00:00Z");
const INTERVAL = 300_000;

function line(at: number, attributes: JsonObject, resource: JsonObject, body: string): LogRecord {
  const ts = isoUtc(at);
  return {
    timestamp: ts,
    observedTimestamp: ts,
    severityText: "INFO",
    severityNumber: 9,
    body,
    attributes,
    resource,
  };
}

/** `count` lines of `app` over the interval starting at `start`, relayed by a syslog sender for `host`. */
function relayed(host: string, start: number, count: number): LogRecord[] {
  return Array.from({ length: count }, (_, i) =>
    line(
      start + Math.floor((i * INTERVAL) / count),
      { "network.transport": "tcp", "network.peer.address": "10.0.0.1" },
      { "service.name": "app", "host.name": host },
      `request ${i} served in ${i % 17} ms`,
    ),
  );
}

function volumeProcessor(bySource: boolean, clock: FakeClock): Processor {
  const volume = new VolumeDetector(volumeOptions(), clock);
  return new Processor(createMiner(MINER_DEFAULTS), [volume], bySource);
}

/** A busy machine and a quiet one log `app` through one sender; the quiet one then nearly stops. */
function run(processor: Processor, from = 0, to = 26): Anomaly[] {
  const out: Anomaly[] = [];
  let id = 1;
  for (let i = from; i < to; i++) {
    const start = T0 + i * INTERVAL;
    const busy = relayed("big", start, 1000 + ((i * 37) % 60));
    const quiet = relayed("small", start, i < 20 ? 40 : 3);
    const records = processor.mine([...busy, ...quiet], id);
    id += records.length;
    out.push(...processor.detect(records));
  }
  return out;
}

describe("detector streams by source", () => {
  it("names each record's origin: the file, the machine a collector named, or the service alone", () => {
    const processor = new Processor(createMiner(MINER_DEFAULTS), []);
    const svc = { "service.name": "sshd", "host.name": "LabSZ" };
    const records = processor.mine([
      line(T0, { "log.file.name": "OpenSSH_2k.log" }, svc, "Accepted password for root"),
      line(T0, { "log.file.path": "/var/log/remote/app.log.1" }, svc, "Accepted password for root"),
      line(T0, { "network.transport": "udp" }, svc, "Accepted password for root"),
      line(T0, { "logwarden.source": "pg-syslog" }, svc, "Accepted password for root"),
      // An API client named the host: an attribute of the event, not another stream.
      line(T0, {}, svc, "Accepted password for root"),
    ]);
    expect(records.map((r) => r.origin)).toEqual([
      "sshd (OpenSSH_2k)",
      "sshd (/var/log/remote/app)",
      "sshd (LabSZ)",
      "sshd (LabSZ)",
      "sshd",
    ]);
    // One service, one template tree: the same line is the same template whatever its source.
    expect(new Set(records.map((r) => r.templateId)).size).toBe(1);
    expect(records.every((r) => r.stream === "sshd")).toBe(true);

    const merged = new Processor(createMiner(MINER_DEFAULTS), [], false);
    const one = merged.mine([line(T0, { "network.transport": "udp" }, svc, "Accepted password for root")]);
    expect(one[0]!.origin).toBe("sshd");
  });

  it("sees a quiet machine fall silent that a busy machine of the same service would hide", () => {
    const bySource = run(volumeProcessor(true, new FakeClock(T0)));
    const drops = bySource.filter((a) => a.type === "volume_drop");
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ key: "svc:app (small)", service: "app", features: { count: 3 } });
    expect(drops[0]!.description).toMatch(/^Volume drop: 3 records from app \(small\)/);
    // One stream for the service: the quiet machine's 37 missing lines are lost in the busy one's noise.
    const merged = run(volumeProcessor(false, new FakeClock(T0)));
    expect(merged.filter((a) => a.type === "volume_drop")).toEqual([]);
  });

  it("saves each origin's state in a row of its own and goes on from it after a restart", () => {
    const clock = new FakeClock(T0);
    const first = volumeProcessor(true, clock);
    run(first, 0, 20);
    expect([...knownStreams(first)].sort()).toEqual(["app", "app (big)", "app (small)"]);
    const rows = [...exportStreams(first, knownStreams(first)), exportShared(first)];
    expect(rows.map((r) => r.partition).sort()).toEqual([
      "miner:app",
      "shared",
      "stream:app (big)",
      "stream:app (small)",
    ]);
    const second = volumeProcessor(true, clock);
    importPartitions(second, rows);
    const drops = run(second, 20, 26).filter((a) => a.type === "volume_drop");
    expect(drops.map((a) => a.key)).toEqual(["svc:app (small)"]);
  });
});
