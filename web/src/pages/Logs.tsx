import type { FormEvent } from "react";
import { getJson } from "../api";
import { Empty, ErrorState, Loading } from "../components/States";
import { TemplateText } from "../components/TemplateText";
import { navigate, useLocation } from "../router";
import { useAsync } from "../useAsync";

interface LogLine {
  id: number;
  timestamp: string;
  service: string;
  level: string | null;
  host: string | null;
  message: string;
  template_id: string | null;
  template: string | null;
}

export function LogsPage() {
  const { query } = useLocation();
  const q = query.get("q") ?? "";
  const service = query.get("service") ?? "";
  const { state, reload } = useAsync(
    (signal) => {
      const p = new URLSearchParams({ limit: "200" });
      if (q) p.set("q", q);
      if (service) p.set("service", service);
      return getJson<LogLine[]>(`/api/v1/logs?${p}`, signal);
    },
    [q, service],
  );
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const p = new URLSearchParams();
    for (const k of ["q", "service"]) {
      const v = String(f.get(k) ?? "").trim();
      if (v) p.set(k, v);
    }
    navigate(`/ui/logs${p.size ? `?${p}` : ""}`);
  };
  return (
    <>
      <div className="page-head">
        <h1>Logs</h1>
      </div>
      <form className="filters panel" onSubmit={submit} key={`${q}|${service}`} aria-label="Search logs">
        <label className="field" style={{ flex: 1 }}>
          Contains
          <input name="q" defaultValue={q} placeholder="Text in the message (case-insensitive)" />
        </label>
        <label className="field">
          Service
          <input name="service" defaultValue={service} />
        </label>
        <button className="primary" type="submit">
          Search
        </button>
      </form>
      {state.status === "error" && <ErrorState error={state.error} retry={reload} />}
      {state.status === "loading" && !state.data && <Loading what="log lines" />}
      {state.data && state.data.length === 0 && (
        <Empty title={q ? `No stored line contains “${q}”` : "No logs stored yet"}>
          {q ? "Try a shorter word, or another service." : "Send logs to POST /ingest or configure a source."}
        </Empty>
      )}
      {state.data && state.data.length > 0 && (
        <div className="table-wrap">
          <table aria-label="Log lines">
            <thead>
              <tr>
                <th>Time</th>
                <th>Service</th>
                <th>Level</th>
                <th>Message and template</th>
              </tr>
            </thead>
            <tbody>
              {state.data.map((l) => (
                <tr key={l.id}>
                  <td className="mono" style={{ whiteSpace: "nowrap" }}>
                    {l.timestamp}
                  </td>
                  <td>{l.service}</td>
                  <td>{l.level ?? "—"}</td>
                  <td>
                    {l.template ? (
                      <TemplateText template={l.template} message={l.message} />
                    ) : (
                      <span className="mono">{l.message}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
