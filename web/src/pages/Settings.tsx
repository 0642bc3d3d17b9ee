import { type FormEvent, useState } from "react";
import { ApiError, getJson, send } from "../api";
import { Time } from "../components/Badges";
import { ErrorState, Loading } from "../components/States";
import { Link } from "../router";
import type { TokenInfo } from "../types";
import { type AsyncState, useAsync } from "../useAsync";

interface Stats {
  models_loaded: boolean;
  model_dir: string;
  model_version: string;
  loaded_at: string | null;
  load_error: string | null;
  model_dir_status: "loaded" | "not_found" | "not_a_directory" | "load_failed" | "not_loaded";
  models: Record<string, { kind: string; file: string; bytes: number }>;
  detectors: { name: string; phase: string; detail: string }[];
  detector_quality: DetectorQuality;
}

/** GET /stats `detector_quality`: per detector over the last `window_days`, volume and verdicts. */
interface DetectorQuality {
  window_days: number;
  since: string;
  until: string;
  detectors: {
    detector: string;
    findings: number;
    findings_per_day: number;
    judged: number;
    true_positives: number;
    false_positives: number;
    precision: number | null;
  }[];
}

export function SettingsPage() {
  return (
    <>
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      <Tokens />
      <section className="panel" style={{ marginTop: 16 }} aria-labelledby="suppressions">
        <h2 id="suppressions">Suppressions</h2>
        <p className="muted">
          What false-positive verdicts mute, who made each one and why:{" "}
          <Link href="/ui/suppressions">list, search and revoke suppressions</Link>.
        </p>
      </section>
      <Models />
      <Sinks />
    </>
  );
}

function Tokens() {
  const { state, reload } = useAsync((signal) => getJson<TokenInfo[]>("/api/v1/tokens", signal), []);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    try {
      const res = await send<{ token: string }>("POST", "/api/v1/tokens", {
        name: String(f.get("name")),
        scopes: f.getAll("scopes").map(String),
      });
      setCreated(res.token);
      setError(null);
      form.reset();
      reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const revoke = async (t: TokenInfo) => {
    if (!confirm(`Revoke “${t.name}”? Clients using it stop working at once.`)) return;
    await send("DELETE", `/api/v1/tokens/${t.id}`).catch((err: unknown) => setError(String(err)));
    reload();
  };
  if (state.status === "error" && state.error instanceof ApiError && state.error.status === 403) {
    return (
      <section className="panel" aria-labelledby="tokens">
        <h2 id="tokens">API tokens</h2>
        <p className="muted">Managing tokens needs a token with the admin scope.</p>
      </section>
    );
  }
  return (
    <section className="panel" aria-labelledby="tokens">
      <h2 id="tokens">API tokens</h2>
      {state.status === "error" && <ErrorState error={state.error} retry={reload} />}
      {state.status === "loading" && !state.data && <Loading what="tokens" />}
      {state.data && (
        <table aria-label="API tokens">
          <thead>
            <tr>
              <th>Name</th>
              <th>Scopes</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Status</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {state.data.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No stored tokens yet. Tokens from the environment (API_TOKEN, API_TOKENS) are not listed;
                  create one per client below so each can be revoked on its own.
                </td>
              </tr>
            )}
            {state.data.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{t.scopes.join(", ")}</td>
                <td>
                  <Time iso={t.created_at} />
                </td>
                <td>{t.last_used_at ? <Time iso={t.last_used_at} /> : "never"}</td>
                <td>
                  {t.revoked_at ? (
                    <span className="status">revoked</span>
                  ) : (
                    <span className="status resolved">active</span>
                  )}
                </td>
                <td>
                  {!t.revoked_at && (
                    <button type="button" className="danger" onClick={() => revoke(t)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="filters" style={{ marginTop: 12 }} onSubmit={create} aria-label="Create a token">
        <label className="field">
          New token name
          <input name="name" required maxLength={100} placeholder="log shipper web-1" />
        </label>
        <fieldset style={{ border: 0, padding: 0, margin: 0, display: "flex", gap: 10 }}>
          <legend className="visually-hidden">Scopes</legend>
          {["read", "ingest", "admin"].map((s) => (
            <label key={s}>
              <input type="checkbox" name="scopes" value={s} defaultChecked={s === "read"} /> {s}
            </label>
          ))}
        </fieldset>
        <button type="submit">Create token</button>
      </form>
      {created && (
        <p role="status">
          New token (shown once, copy it now): <code>{created}</code>
        </p>
      )}
      {error && (
        <p role="alert" className="state error">
          {error}
        </p>
      )}
    </section>
  );
}

/** What the model folder is now (GET /stats `model_dir_status`), in words. */
const FOLDER_STATUS: Record<Stats["model_dir_status"], string> = {
  loaded: "loaded",
  not_found: "not found: the built-in detectors run alone",
  not_a_directory: "not a folder",
  load_failed: "could not be loaded",
  not_loaded: "not loaded (POST /models/load)",
};

function Models() {
  const { state, reload } = useAsync((signal) => getJson<Stats>("/stats", signal), []);
  return (
    <>
      <ModelsPanel state={state} reload={reload} />
      {/* From the same GET /stats: one request for both panels. */}
      {state.data?.detector_quality && <DetectorPrecision quality={state.data.detector_quality} />}
    </>
  );
}

/** Per detector: how many findings a day it raises and how many of those people judged real. */
function DetectorPrecision({ quality }: { quality: DetectorQuality }) {
  return (
    <section className="panel" style={{ marginTop: 16 }} aria-labelledby="precision">
      <h2 id="precision">Detector precision (last {quality.window_days} days)</h2>
      <p className="muted">
        From people's verdicts: resolving a finding counts it as a true positive, marking it a false positive
        as not; each finding counts once, by its latest verdict.
      </p>
      <table aria-label="Detector precision" style={{ marginTop: 12 }}>
        <thead>
          <tr>
            <th>Detector</th>
            <th>Findings/day</th>
            <th>Judged</th>
            <th>True positives</th>
            <th>Precision</th>
          </tr>
        </thead>
        <tbody>
          {quality.detectors.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No findings and no verdicts in the last {quality.window_days} days.
              </td>
            </tr>
          )}
          {quality.detectors.map((d) => (
            <tr key={d.detector}>
              <td className="mono">{d.detector}</td>
              <td title={`${d.findings} findings in ${quality.window_days} days`}>{d.findings_per_day}</td>
              <td>{d.judged}</td>
              <td>{d.true_positives}</td>
              <td>
                {d.precision === null ? (
                  <span className="muted">no verdicts yet</span>
                ) : (
                  `${Math.round(d.precision * 100)}%`
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ModelsPanel({ state, reload }: { state: AsyncState<Stats>; reload: () => void }) {
  return (
    <section className="panel" style={{ marginTop: 16 }} aria-labelledby="models">
      <h2 id="models">Models and detectors</h2>
      {state.status === "error" && <ErrorState error={state.error} retry={reload} />}
      {state.status === "loading" && !state.data && <Loading what="models" />}
      {state.data && (
        <>
          <dl className="kv">
            <dt>Model version</dt>
            <dd className="mono">{state.data.model_version}</dd>
            <dt>Model folder</dt>
            <dd>
              <span className="mono">{state.data.model_dir}</span>{" "}
              <span className="status">{FOLDER_STATUS[state.data.model_dir_status]}</span>
            </dd>
            {state.data.load_error && (
              <>
                <dt>Load error</dt>
                <dd className="state error" style={{ padding: 0, textAlign: "left" }}>
                  {state.data.load_error}
                </dd>
              </>
            )}
          </dl>
          <p className="muted">
            The detectors of the running pipeline: what they have learned from ingested logs.
          </p>
          <table aria-label="Detectors" style={{ marginTop: 12 }}>
            <thead>
              <tr>
                <th>Detector</th>
                <th>Phase</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {state.data.detectors.map((d) => (
                <tr key={d.name}>
                  <td className="mono">{d.name}</td>
                  <td>{d.phase}</td>
                  <td className="muted">{d.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

interface SinkStatus {
  name: string;
  type: string | null;
  configured: boolean;
  deliveries: Record<string, number>;
  last_delivered_at: string | null;
  last_error: string | null;
}

function Sinks() {
  const { state, reload } = useAsync((signal) => getJson<SinkStatus[]>("/api/v1/sinks", signal), []);
  return (
    <section className="panel" style={{ marginTop: 16 }} aria-labelledby="sinks">
      <h2 id="sinks">Notification sinks</h2>
      {state.status === "error" && state.error instanceof ApiError && state.error.status === 403 ? (
        <p className="muted">Sink status needs a token with the admin scope.</p>
      ) : state.status === "error" ? (
        <ErrorState error={state.error} retry={reload} />
      ) : null}
      {state.status === "loading" && !state.data && <Loading what="sinks" />}
      {state.data && state.data.length === 0 && (
        <p className="muted">
          No sinks are configured. Set <code>SINKS</code> or <code>WEBHOOK_URL</code>,{" "}
          <code>SLACK_WEBHOOK_URL</code> … to send anomalies to webhooks, Slack, Splunk, Elasticsearch, Kafka
          or RabbitMQ (docs/sources-and-sinks.md).
        </p>
      )}
      {state.data && state.data.length > 0 && (
        <table aria-label="Notification sinks">
          <thead>
            <tr>
              <th>Sink</th>
              <th>Type</th>
              <th>Delivered</th>
              <th>Waiting</th>
              <th>Dead</th>
              <th>Last delivery</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {state.data.map((s) => (
              <tr key={s.name}>
                <td className="mono">
                  {s.name} {!s.configured && <span className="status">no longer configured</span>}
                </td>
                <td>{s.type ?? "—"}</td>
                <td>{s.deliveries.delivered ?? 0}</td>
                <td>{(s.deliveries.pending ?? 0) + (s.deliveries.failed ?? 0)}</td>
                <td>{s.deliveries.dead ? <span className="status open">{s.deliveries.dead}</span> : 0}</td>
                <td>{s.last_delivered_at ? <Time iso={s.last_delivered_at} /> : "never"}</td>
                <td className="wrap muted">{s.last_error ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
