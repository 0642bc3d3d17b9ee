import { getJson } from "../api";
import { formatTime, useZoneMode } from "../time";
import type { LogContext, LogLine } from "../types";
import { useAsync } from "../useAsync";
import { LinkedText } from "./LinkedText";
import { ErrorState, Loading } from "./States";

const AROUND = 10;

/** A hit with the lines of its service just before and after it (`grep -C`), the hit marked. */
export function LogContextRows({ id, searchFor }: { id: number; searchFor: (value: string) => string }) {
  const mode = useZoneMode();
  const { state, reload } = useAsync(
    (signal) => getJson<LogContext>(`/api/v1/logs/${id}/context?before=${AROUND}&after=${AROUND}`, signal),
    [id],
  );
  if (state.status === "error") return <ErrorState error={state.error} retry={reload} />;
  if (!state.data) return <Loading what="surrounding lines" />;
  const { line, before, after } = state.data;
  const row = (l: LogLine, hit: boolean) => (
    <li key={l.id} className={hit ? "hit" : undefined} aria-current={hit ? "true" : undefined}>
      <span className="muted">{formatTime(l.timestamp, mode)}</span> {l.level && <strong>{l.level}</strong>}{" "}
      <LinkedText text={l.message} hrefFor={searchFor} />
      {l.truncated && (
        <span className="muted">
          {" "}
          [{(l.message_bytes ?? 0).toLocaleString()} bytes stored;{" "}
          {hit ? "the first MAX_LINE_BYTES" : "16 KiB"} shown]
        </span>
      )}
    </li>
  );
  return (
    <section aria-label={`Lines around line ${id}`} className="log-context">
      <p className="muted" style={{ margin: "0 0 6px" }}>
        {before.length} line(s) of {line.service} before and {after.length} after, in record time
      </p>
      <ol className="evidence mono">
        {before.map((l) => row(l, false))}
        {row(line, true)}
        {after.map((l) => row(l, false))}
      </ol>
    </section>
  );
}
