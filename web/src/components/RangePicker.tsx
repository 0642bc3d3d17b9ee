import { type FormEvent, useState } from "react";
import { formatTime, fromInputValue, toInputValue, useZoneMode, zoneLabel } from "../time";
import { PRESETS, type Preset, type TimeRange } from "../timeRange";

/**
 * Relative presets, "All data", or an absolute from/to typed in the user's zone choice. `extent` (the
 * data's own period, when known) pre-fills the absolute fields, so imported history is one click away.
 */
export function RangePicker({
  range,
  onChange,
  extent,
}: {
  range: TimeRange;
  onChange: (r: TimeRange) => void;
  extent?: { first: number; last: number } | null | undefined;
}) {
  const mode = useZoneMode();
  const [custom, setCustom] = useState(range.kind === "absolute");
  const value = range.kind === "preset" ? range.preset : range.kind === "all" ? "all" : "absolute";
  const start = range.kind === "absolute" ? range.from : (extent?.first ?? Date.now() - 86_400_000);
  const end = range.kind === "absolute" ? range.to : extent ? extent.last + 60_000 : Date.now();
  const [error, setError] = useState<string | null>(null);
  const apply = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const from = fromInputValue(String(f.get("from") ?? ""), mode);
    const to = fromInputValue(String(f.get("to") ?? ""), mode);
    if (!Number.isFinite(from) || !Number.isFinite(to)) return setError("Give both a start and an end.");
    if (to <= from) return setError("The end must be after the start.");
    setError(null);
    onChange({ kind: "absolute", from, to });
  };
  return (
    <div className="range-picker">
      <label className="field" style={{ flexDirection: "row", alignItems: "center", gap: 8 }}>
        Time range
        <select
          aria-label="Time range"
          value={custom ? "absolute" : value}
          onChange={(e) => {
            const v = e.target.value;
            if (v === "absolute") return setCustom(true);
            setCustom(false);
            onChange(v === "all" ? { kind: "all" } : { kind: "preset", preset: v as Preset });
          }}
        >
          {Object.entries(PRESETS).map(([k, p]) => (
            <option key={k} value={k}>
              {p.label}
            </option>
          ))}
          <option value="all">All data</option>
          <option value="absolute">Absolute…</option>
        </select>
      </label>
      {custom && (
        <form
          className="range-absolute"
          onSubmit={apply}
          key={`${start}-${end}-${mode}`}
          aria-label="Absolute time range"
        >
          <label className="field">
            From ({zoneLabel(mode, start)})
            <input type="datetime-local" name="from" defaultValue={toInputValue(start, mode)} />
          </label>
          <label className="field">
            To
            <input type="datetime-local" name="to" defaultValue={toInputValue(end, mode)} />
          </label>
          <button type="submit" className="primary">
            Apply
          </button>
          {error && (
            <span role="alert" className="muted">
              {error}
            </span>
          )}
        </form>
      )}
      {range.kind === "absolute" && !custom && (
        <span className="muted">
          {formatTime(range.from, mode, { precision: "minutes" })} →{" "}
          {formatTime(range.to, mode, { precision: "minutes" })}
        </span>
      )}
    </div>
  );
}
