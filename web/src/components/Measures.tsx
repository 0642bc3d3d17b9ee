import { formatDuration, formatTime, humanizeSeconds, useZoneMode } from "../time";

/** How a detector's measure names read to a person: `interval_secs` → "Interval", `robust_z` → "Robust z". */
function measureName(key: string): string {
  const words = key.replace(/_(secs|seconds|ms)$/, "").replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** One value with its unit: durations in d/h/min/s, times in the user's zone, text as text (no JSON quotes). */
export function MeasureValue({ name, value }: { name: string; value: unknown }) {
  const mode = useZoneMode();
  if (typeof value === "number") {
    if (/_secs$|_seconds$/.test(name)) return <>{formatDuration(value)}</>;
    if (/_ms$/.test(name)) return <>{formatDuration(value / 1000)}</>;
    return <>{(Math.round(value * 1000) / 1000).toLocaleString()}</>;
  }
  if (typeof value === "string")
    return <>{ISO_TIME.test(value) ? formatTime(value, mode) : humanizeSeconds(value)}</>;
  if (value === null || value === undefined) return <>—</>;
  if (typeof value === "boolean") return <>{value ? "yes" : "no"}</>;
  if (Array.isArray(value) && value.every((v) => typeof v !== "object")) return <>{value.join(", ")}</>;
  return <span className="mono">{JSON.stringify(value)}</span>;
}

/** The detector's observed values beside its baseline, one row per measure. */
export function MeasuresTable({
  observed,
  expected,
}: {
  observed: Record<string, unknown>;
  expected: Record<string, unknown>;
}) {
  const keys = [...new Set([...Object.keys(observed), ...Object.keys(expected)])];
  if (keys.length === 0) return null;
  return (
    <table aria-label="Baseline versus observed">
      <thead>
        <tr>
          <th>Measure</th>
          <th>Observed</th>
          <th>Baseline</th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k}>
            <td>{measureName(k)}</td>
            <td>
              <strong>{k in observed ? <MeasureValue name={k} value={observed[k]} /> : "—"}</strong>
            </td>
            <td className="muted">{k in expected ? <MeasureValue name={k} value={expected[k]} /> : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
