import { useSyncExternalStore } from "react";

/**
 * The dashboard's one time zone policy: every time is shown either in the browser's zone or in UTC,
 * the user's choice (kept in localStorage), always with the zone written next to it so a time read
 * off a screenshot is never ambiguous. Every page formats through this module.
 */
export type ZoneMode = "local" | "utc";

const KEY = "logwarden.timeZone";
const EVENT = "logwarden:timezone";

function readMode(): ZoneMode {
  try {
    return localStorage.getItem(KEY) === "utc" ? "utc" : "local";
  } catch {
    return "local";
  }
}

export function setZoneMode(mode: ZoneMode): void {
  try {
    localStorage.setItem(KEY, mode);
  } catch {
    // Storage refused (private mode): the choice lasts until reload.
  }
  current = mode;
  window.dispatchEvent(new Event(EVENT));
}

let current: ZoneMode = readMode();

function subscribe(onChange: () => void): () => void {
  const fromOtherTab = (e: StorageEvent) => {
    if (e.key !== KEY) return;
    current = readMode();
    onChange();
  };
  window.addEventListener(EVENT, onChange);
  window.addEventListener("storage", fromOtherTab);
  return () => {
    window.removeEventListener(EVENT, onChange);
    window.removeEventListener("storage", fromOtherTab);
  };
}

/** The current mode; components using it re-render when the user switches. */
export function useZoneMode(): ZoneMode {
  return useSyncExternalStore(subscribe, () => current);
}

/** Epoch ms of an API time; system 000's routes give UTC without a zone, so a bare time is UTC. */
export function parseApiTime(iso: string): number {
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso.replace(" ", "T")}Z`);
}

type Precision = "seconds" | "minutes" | "day";

function parts(ms: number, mode: ZoneMode): Record<string, string> {
  const f = new Intl.DateTimeFormat("en-GB", {
    timeZone: mode === "utc" ? "UTC" : undefined,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  });
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(ms)) out[p.type] = p.value;
  return out;
}

/** The zone as shown after times: "UTC", or the browser's short name ("CET", "GMT+2"). */
export function zoneLabel(mode: ZoneMode, at = Date.now()): string {
  return mode === "utc" ? "UTC" : (parts(at, "local").timeZoneName ?? "local");
}

/** `2005-06-03 15:00:01 UTC`: year first (sorts, reads the same in every locale), zone always shown. */
export function formatTime(
  time: number | string,
  mode: ZoneMode,
  opts: { precision?: Precision; zone?: boolean } = {},
): string {
  const ms = typeof time === "string" ? parseApiTime(time) : time;
  if (!Number.isFinite(ms)) return String(time);
  const p = parts(ms, mode);
  const day = `${p.year}-${p.month}-${p.day}`;
  const precision = opts.precision ?? "seconds";
  const clock =
    precision === "day" ? "" : ` ${p.hour}:${p.minute}${precision === "seconds" ? `:${p.second}` : ""}`;
  const zone = opts.zone === false ? "" : ` ${mode === "utc" ? "UTC" : (p.timeZoneName ?? "")}`;
  return `${day}${clock}${zone}`.trimEnd();
}

/** A short axis label for a tick, its detail chosen by the span the axis covers. */
export function formatTick(ms: number, spanMs: number, mode: ZoneMode): string {
  const p = parts(ms, mode);
  if (spanMs > 400 * 86_400_000) return `${p.year}-${p.month}`;
  if (spanMs > 2 * 86_400_000) return `${p.month}-${p.day}`;
  if (spanMs > 3_600_000) return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** A `<input type="datetime-local">` value for `ms`, in the chosen zone. */
export function toInputValue(ms: number, mode: ZoneMode): string {
  const p = parts(ms, mode);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** A time from a URL (zoned ISO or a `datetime-local` value) as a `datetime-local` field shows it. */
export function asInputValue(value: string, mode: ZoneMode): string {
  const ms = fromInputValue(value, mode);
  return Number.isFinite(ms) ? toInputValue(ms, mode) : "";
}

const ZONED = /(?:[zZ]|[+-]\d\d:?\d\d)$/;

/**
 * Epoch ms of a `datetime-local` value read in the chosen zone (a value that names its zone, such as a
 * drill-down link's ISO time, is read as written); NaN when empty or invalid.
 */
export function fromInputValue(value: string, mode: ZoneMode): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return Number.NaN;
  if (ZONED.test(value)) return Date.parse(value);
  // Without a zone, Date reads a date-time as local time; UTC needs the zone said.
  return mode === "utc" ? Date.parse(`${value}Z`) : new Date(value).getTime();
}

export { formatDuration, humanizeSeconds } from "./duration";
