import { getJson } from "../api";
import { parseApiTime } from "../time";
import type { AnomalyDetail, LogHistogram } from "../types";
import { useAsync } from "../useAsync";
import { CountChart } from "./CountChart";
import { ErrorState, Loading } from "./States";

/** Intervals shown before and after the finding's: enough to see the usual level it departed from. */
const BEFORE = 12;
const AFTER = 6;

/** The finding's interval, when the anomaly is a volume finding (volume detector: interval_start + interval_secs). */
export function volumeInterval(a: AnomalyDetail): { start: number; secs: number } | null {
  const o = a.explanation?.observed ?? {};
  const start = typeof o.interval_start === "string" ? parseApiTime(o.interval_start) : Number.NaN;
  const secs = typeof o.interval_secs === "number" ? o.interval_secs : Number.NaN;
  return Number.isFinite(start) && secs > 0 && a.service ? { start, secs } : null;
}

/** The stream's stored line counts around a volume finding, one bar per detector interval, the finding's marked. */
export function VolumeChart({ service, start, secs }: { service: string; start: number; secs: number }) {
  const ms = secs * 1000;
  const since = new Date(start - BEFORE * ms).toISOString();
  const until = new Date(start + (AFTER + 1) * ms).toISOString();
  const { state, reload } = useAsync(
    (signal) =>
      getJson<LogHistogram>(
        `/api/v1/logs/histogram?${new URLSearchParams({ service, since, until, buckets: String(BEFORE + AFTER + 1) })}`,
        signal,
      ),
    [service, since, until],
  );
  if (state.status === "error") return <ErrorState error={state.error} retry={reload} />;
  if (!state.data) return <Loading what="the stream's volume" />;
  const h = state.data;
  return (
    <CountChart
      buckets={h.buckets.map((b) => ({ start: Date.parse(b.start), count: b.count }))}
      intervalMs={h.interval_ms}
      mark={start}
      label={`Lines of ${service} per interval around the finding`}
    />
  );
}
