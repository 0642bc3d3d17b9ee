import type { Anomaly } from "../core/anomaly.js";
import type { Detector, DetectorDefinition, DetectorStatus } from "../core/detector.js";
import { isJsonObject, type JsonValue } from "../core/json.js";
import { hostOf, type ParsedRecord } from "../core/log-record.js";
import { severityFromScore } from "../core/severity.js";
import { UndoLog } from "../core/undo.js";
import { thresholdScore } from "./auth/security-anomaly.js";
import { LruMap } from "./lru.js";
import { recordTimeMs } from "./record-time.js";
import { type BurstMemory, SlidingWindow, shouldReport } from "./sliding-window.js";

export interface WifiOptions {
  windowSecs: number;
  /** Disassociation/deauthentication events per device within the window that make a burst. */
  threshold: number;
  maxKeys: number;
}

/** hostapd (`IEEE 802.11: disassociated`, `deauthenticated due to …`), wpa_supplicant, kernel mac80211. */
const DROP = /\b(?:disassociat|deauthenticat|CTRL-EVENT-DISCONNECTED|AP-STA-DISCONNECTED)/i;
const WIFI_PROGRAMS = /^(hostapd|wpa_supplicant|iwd|networkmanager|kernel|wifi|wlan)/i;
const WIFI_TEXT = /\b(wlan\d*|wlp\w+|802\.11|CTRL-EVENT-|AP-STA-|STA [0-9a-f]{2}:)/i;
const STATION = /\b(?:STA|bssid=|from|to) ?([0-9a-f]{2}(?::[0-9a-f]{2}){5})\b/i;

/** Share of the threshold that drops of stations already dropped in the window must reach: kicks. */
const REPEAT_SHARE = 0.3;
/** This many times the threshold is a burst whoever dropped. */
const KICK_FREE_FACTOR = 3;

interface DeviceState {
  /** Every WiFi record of the device in the window (`log_count`). */
  records: SlidingWindow;
  /** Disassociations and deauthentications, labelled by station. */
  drops: SlidingWindow;
  burst: BurstMemory;
  /** The device's numeric id, when records carry one (system 000's `device_id`). */
  deviceId: number | null;
}

function deviceOf(record: ParsedRecord): { key: string; id: number | null } {
  const attr = record.attributes.device_id ?? record.attributes["device.id"] ?? record.resource["device.id"];
  if (typeof attr === "number" && Number.isInteger(attr)) return { key: String(attr), id: attr };
  if (typeof attr === "string" && attr !== "")
    return { key: attr, id: /^\d+$/.test(attr) ? Number(attr) : null };
  return { key: hostOf(record) ?? record.stream, id: null };
}

/** A WiFi line (a WiFi program's, or the kernel's naming WiFi, or one with a device id): what the rule reads. */
export function isWifi(record: ParsedRecord): boolean {
  if (record.attributes.device_id !== undefined) return true;
  const program = String(record.resource["service.name"] ?? "");
  // A WiFi program's line is WiFi whatever it says, the kernel's only when it names WiFi: the line's
  // text is read only for those two and for other programs. Runs of one program's lines: its name is
  // matched once.
  if (program !== lastProgram) {
    lastProgram = program;
    lastProgramIsWifi = WIFI_PROGRAMS.test(program) && program !== "kernel";
  }
  return lastProgramIsWifi || WIFI_TEXT.test(record.body);
}

let lastProgram = "";
let lastProgramIsWifi = false;

/** A disassociation or deauthentication, in the line or in the record's `event` field. */
function isDrop(record: ParsedRecord): boolean {
  const eventAttr = record.attributes.event ?? record.attributes.event_type;
  return DROP.test(record.body) || (typeof eventAttr === "string" && DROP.test(eventAttr));
}

/** A WiFi station dropped: what the `wifi` rule counts, per device, against its own burst bar. */
export function isWifiDrop(record: ParsedRecord): boolean {
  return isWifi(record) && isDrop(record);
}

/**
 * System 000's WiFi agent: a burst of disassociation / deauthentication events on one device (access
 * point or client), the sign of interference, a failing radio, or a deauthentication attack. Stored
 * with `agent_name: "wifi"`, `anomaly_type: "wifi_anomaly"` and the features the Log Monitor reads.
 */
export class WifiDetector implements Detector {
  readonly name = "wifi";
  readonly undo = new UndoLog();
  readonly #devices: LruMap<string, DeviceState>;
  #drops = 0;

  constructor(readonly options: WifiOptions) {
    this.#devices = new LruMap<string, DeviceState>(options.maxKeys).recordTo(this.undo, (s) => ({
      records: s.records.copy(),
      drops: s.drops.copy(),
      burst: { ...s.burst },
      deviceId: s.deviceId,
    }));
    this.undo.keep(
      () => this.#drops,
      (value) => {
        this.#drops = value;
      },
    );
  }

  get #cap(): number {
    return Math.max(256, this.options.threshold * 16);
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    const windowMs = this.options.windowSecs * 1000;
    for (const record of batch) {
      if (!isWifi(record)) continue;
      const device = deviceOf(record);
      const at = recordTimeMs(record.timestamp);
      const state = this.#devices.upsert(device.key, () => ({
        records: new SlidingWindow(windowMs, this.#cap * 4),
        drops: new SlidingWindow(windowMs, this.#cap),
        burst: { reported: 0, until: 0 },
        deviceId: device.id,
      }));
      state.records.add({ at, id: record.id, label: "" });
      if (!isDrop(record)) continue;
      this.#drops++;
      state.drops.add({ at, id: record.id, label: STATION.exec(record.body)?.[1]?.toLowerCase() ?? "?" });
      state.drops.prune(at);
      const events = state.drops.count;
      if (events < this.options.threshold || !this.#burstOfKicks(state.drops, events)) continue;
      if (!shouldReport(state.burst, events, at, windowMs)) continue;
      out.push(this.#anomaly(record, device.key, state, at));
    }
    return out;
  }

  /**
   * Whether the window's drops look like stations being kicked rather than leaving: stations dropped again
   * and again (a deauthentication flood, a failing radio), or so many drops that it does not matter.
   * When an office empties at the end of the day, ten laptops each leave once; that is not a burst.
   * Drops whose station cannot be read are judged by their count alone.
   */
  #burstOfKicks(drops: SlidingWindow, events: number): boolean {
    if (events >= KICK_FREE_FACTOR * this.options.threshold) return true;
    let labelled = 0;
    let again = 0;
    for (const { label, count } of drops.labels()) {
      if (label === "?") continue;
      labelled += count;
      again += count - 1;
    }
    return labelled * 2 < events || again >= REPEAT_SHARE * this.options.threshold;
  }

  #anomaly(record: ParsedRecord, key: string, state: DeviceState, at: number): Anomaly {
    state.records.prune(at);
    const events = state.drops.count;
    const logCount = Math.max(state.records.count, events);
    const stations = state.drops.labels().filter((s) => s.label !== "?");
    const deauth = state.drops.events.length;
    const score = thresholdScore(events, this.options.threshold);
    const summary = `High WiFi disassociation events detected (${events})`;
    return {
      detector: this.name,
      type: "wifi_anomaly",
      timestamp: record.timestamp,
      service: record.stream,
      key,
      score: Math.round(score * 10_000) / 10_000,
      severity: severityFromScore(score),
      description: summary,
      features: {
        log_count: logCount,
        disassociation_events: events,
        stations: stations.length,
        window_secs: this.options.windowSecs,
        threshold: this.options.threshold,
        device: key,
      },
      explanation: {
        summary,
        observed: {
          disassociation_events: events,
          log_count: logCount,
          stations: stations.length,
          span_secs: state.drops.spanSecs(),
        },
        expected: { max_events_per_window: this.options.threshold - 1, window_secs: this.options.windowSecs },
        contributions: stations
          .slice(0, 5)
          .map((s) => ({ name: "station", value: s.label, weight: s.count / deauth })),
        samples: state.drops.events.length > 0 ? [record.body] : [],
      },
      evidence: state.drops.ids(20),
      deviceId: state.deviceId,
    };
  }

  status(): DetectorStatus {
    return {
      name: this.name,
      phase: "active",
      detail: `${this.#drops} disassociation/deauthentication events seen on ${this.#devices.size} device(s)`,
    };
  }

  exportState(): JsonValue {
    const pack = (w: SlidingWindow) => w.events.map((e) => [e.at, e.id, e.label]);
    return {
      version: 1,
      drops: this.#drops,
      devices: [...this.#devices.entries()].map(([key, s]) => ({
        key,
        deviceId: s.deviceId,
        records: pack(s.records),
        events: pack(s.drops),
        burst: [s.burst.reported, s.burst.until],
      })),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !Array.isArray(state.devices)) return;
    this.#drops = Number(state.drops ?? 0);
    const windowMs = this.options.windowSecs * 1000;
    const unpack = (w: SlidingWindow, v: JsonValue | undefined) => {
      if (Array.isArray(v))
        w.events = v
          .filter(Array.isArray)
          .map((e) => ({ at: Number(e[0]), id: Number(e[1]), label: String(e[2]) }));
      return w;
    };
    for (const d of state.devices) {
      if (!isJsonObject(d) || typeof d.key !== "string") continue;
      this.#devices.set(d.key, {
        records: unpack(new SlidingWindow(windowMs, this.#cap * 4), d.records),
        drops: unpack(new SlidingWindow(windowMs, this.#cap), d.events),
        burst: Array.isArray(d.burst)
          ? { reported: Number(d.burst[0]), until: Number(d.burst[1]) }
          : { reported: 0, until: 0 },
        deviceId: typeof d.deviceId === "number" ? d.deviceId : null,
      });
    }
  }
}

export const wifiDefinition: DetectorDefinition<WifiOptions> = {
  name: "wifi",
  description:
    "A burst of WiFi disassociation/deauthentication events on one device (system 000's WiFi agent).",
  create: (options) => new WifiDetector(options),
};
