import { type FormEvent, useState } from "react";
import { ApiError, session, verifyToken } from "./api";

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await verifyToken(token.trim());
      session.signIn(token.trim());
      onSignedIn();
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? "That token is not valid (or was revoked)."
          : err instanceof ApiError && err.status === 403
            ? "That token cannot read anomalies; it needs the read scope."
            : `Could not reach the server: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="signin">
      <form className="panel" onSubmit={submit} aria-labelledby="signin-title">
        <div className="brand" style={{ color: "var(--ink)", padding: 0 }}>
          Log<span style={{ color: "var(--accent)" }}>warden</span>
        </div>
        <h1 id="signin-title">Sign in</h1>
        <label className="field">
          API token
          <input
            name="token"
            type="password"
            autoComplete="off"
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="lw_…"
          />
        </label>
        {error && (
          <div role="alert" className="state error" style={{ padding: 0, textAlign: "left" }}>
            {error}
          </div>
        )}
        <button className="primary" type="submit" disabled={busy || token.trim() === ""}>
          {busy ? "Checking…" : "Sign in"}
        </button>
        <p className="muted" style={{ margin: 0 }}>
          Create one with <code>logwarden token create --name me --scopes admin</code>. It is kept for this
          tab only.
        </p>
      </form>
    </div>
  );
}
