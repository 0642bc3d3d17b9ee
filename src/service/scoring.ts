import type { JsonObject } from "../core/json.js";
import type { LogRecord } from "../core/log-record.js";
import { ERROR_SEVERITY_NUMBER } from "../core/severity.js";
import { canonicalIsoMs } from "../core/time.js";

/** What system 004's scorer sees for one service group (contracts §5.4). */
export interface GroupFeatures extends JsonObject {
  count: number;
  error_count: number;
  warn_count: number;
  fatal_count: number;
  error_ratio: number;
  span_secs: number;
  distinct_messages: number;
  /** Strongest anomaly score the online detectors gave this group's records (0 when none). */
  detector_score: number;
}

export function groupFeatures(records: readonly LogRecord[], detectorScore = 0): GroupFeatures {
  const tally = new GroupTally();
  for (const r of records) tally.add(r);
  return tally.features(detectorScore);
}

/** A `GroupTally` as plain data, to cross threads (`GroupTally.figures`, `GroupTally.fromFigures`). */
export interface GroupTallyFigures {
  count: number;
  errors: number;
  warns: number;
  fatals: number;
  min: number;
  max: number;
  distinct: number;
  bad: number;
  badLevel: string;
  firstBad: string[];
  firstAny: string[];
}

/** A record's fields a group's features and summary read. */
type TalliedRecord = Pick<LogRecord, "severityNumber" | "severityText" | "timestamp" | "body">;

/** How many distinct messages an incident's summary quotes. */
const SUMMARY_MESSAGES = 3;

/**
 * A service group's features and summary, taken one record at a time, so `/ingest` can count a record
 * when it is decoded and keep only these figures (not the record) for the rest of the request.
 */
export class GroupTally {
  count = 0;
  #errors = 0;
  #warns = 0;
  #fatals = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  readonly #messages = new Set<string>();
  /** Distinct messages of a tally made from another's figures (`fromFigures`), whose set stayed there. */
  #distinctElsewhere = 0;
  /** Records at warning level or above: the summary speaks of them when there are any. */
  #bad = 0;
  #badLevel = "";
  /** The first distinct bodies, of the bad records and of all records: all the summary quotes. */
  readonly #firstBad: string[] = [];
  readonly #firstAny: string[] = [];

  /** `timeMs`: the record's time in epoch ms when the caller has read it already, else NaN. */
  add(r: TalliedRecord, timeMs = Number.NaN): void {
    this.count++;
    if (r.severityNumber >= 21) this.#fatals++;
    else if (r.severityNumber >= ERROR_SEVERITY_NUMBER) this.#errors++;
    else if (r.severityNumber >= 13) this.#warns++;
    // Ingest stores canonical ISO text, read by hand; anything else (and the value is the same) by Date.parse.
    const t = Number.isNaN(timeMs) ? (canonicalIsoMs(r.timestamp) ?? Date.parse(r.timestamp)) : timeMs;
    if (t < this.#min) this.#min = t;
    if (t > this.#max) this.#max = t;
    this.#messages.add(r.body);
    keepFirstDistinct(this.#firstAny, r.body);
    if (r.severityNumber >= 13) {
      if (this.#bad++ === 0) this.#badLevel = (r.severityText ?? "ERROR").toUpperCase();
      keepFirstDistinct(this.#firstBad, r.body);
    }
  }

  features(detectorScore = 0): GroupFeatures {
    const count = this.count;
    return {
      count,
      error_count: this.#errors,
      warn_count: this.#warns,
      fatal_count: this.#fatals,
      error_ratio: count ? (this.#errors + this.#fatals) / count : 0,
      span_secs: count > 1 ? Math.round((this.#max - this.#min) / 1000) : 0,
      distinct_messages: this.#distinctElsewhere + this.#messages.size,
      detector_score: detectorScore,
    };
  }

  /** What another thread needs to answer for this group: everything but the set of messages, only counted. */
  figures(): GroupTallyFigures {
    return {
      count: this.count,
      errors: this.#errors,
      warns: this.#warns,
      fatals: this.#fatals,
      min: this.#min,
      max: this.#max,
      distinct: this.#distinctElsewhere + this.#messages.size,
      bad: this.#bad,
      badLevel: this.#badLevel,
      firstBad: this.#firstBad.slice(),
      firstAny: this.#firstAny.slice(),
    };
  }

  /** A tally that answers as the one `f` came from did (its `features` and `summary`); not to add to. */
  static fromFigures(f: GroupTallyFigures): GroupTally {
    const tally = new GroupTally();
    tally.count = f.count;
    tally.#errors = f.errors;
    tally.#warns = f.warns;
    tally.#fatals = f.fatals;
    tally.#min = f.min;
    tally.#max = f.max;
    tally.#distinctElsewhere = f.distinct;
    tally.#bad = f.bad;
    tally.#badLevel = f.badLevel;
    tally.#firstBad.push(...f.firstBad);
    tally.#firstAny.push(...f.firstAny);
    return tally;
  }

  /** A one-line explanation, e.g. "2 ERROR logs from auth in 20 s: authentication failures". */
  summary(service: string, features: GroupFeatures): string {
    const bad = this.#bad;
    const counted = bad > 0 ? `${bad} ${this.#badLevel} logs` : `${features.count} logs`;
    const messages = (bad > 0 ? this.#firstBad : this.#firstAny).join("; ");
    return `${counted} from ${service} in ${features.span_secs} s: ${messages}`;
  }
}

function keepFirstDistinct(kept: string[], body: string): void {
  if (kept.length < SUMMARY_MESSAGES && !kept.includes(body)) kept.push(body);
}

/**
 * The in-process score of a group, in [0, 1]: the stronger of what the online detectors said and an
 * error-pressure term. Each error-level record adds one unit of pressure (fatal two, warning a quarter),
 * and pressure p scores 1 − e^(−p): one error 0.63, two 0.86, three 0.95. With the default THRESHOLD
 * of 0.8, two errors from one service in one request make an incident, one does not.
 */
export function onlineScore(features: GroupFeatures): number {
  const pressure = features.error_count + 2 * features.fatal_count + 0.25 * features.warn_count;
  const errorScore = 1 - Math.exp(-pressure);
  return round(Math.max(errorScore, features.detector_score));
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Incident severity from a score (contracts §5.2). */
export function incidentSeverity(score: number): "critical" | "high" | "medium" {
  if (score >= 0.95) return "critical";
  if (score >= 0.9) return "high";
  return "medium";
}
