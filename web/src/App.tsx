import { useEffect, useState } from "react";
import { session } from "./api";
import { TimeZoneToggle } from "./components/TimeZoneToggle";
import { LiveProvider, useLive, useLiveAnomalies } from "./live";
import { AlertDetailPage } from "./pages/AlertDetail";
import { AnomaliesPage } from "./pages/Anomalies";
import { AnomalyDetailPage } from "./pages/AnomalyDetail";
import { IncidentsPage } from "./pages/Incidents";
import { LogsPage } from "./pages/Logs";
import { OverviewPage } from "./pages/Overview";
import { RulesPage } from "./pages/Rules";
import { SettingsPage } from "./pages/Settings";
import { SuppressionsPage } from "./pages/Suppressions";
import { TemplatesPage } from "./pages/Templates";
import { Link, navigate, useLocation } from "./router";
import { SignIn } from "./SignIn";

const NAV = [
  ["/ui/overview", "Overview"],
  ["/ui/anomalies", "Anomalies"],
  ["/ui/incidents", "Incidents & alerts"],
  ["/ui/templates", "Templates"],
  ["/ui/logs", "Logs"],
  ["/ui/suppressions", "Suppressions"],
  ["/ui/rules", "Rules"],
  ["/ui/settings", "Settings"],
] as const;

export function App() {
  const [signedIn, setSignedIn] = useState(() => session.token() !== null);
  useEffect(() => {
    // Any 401 (token revoked, server restarted with other tokens) sends the user back to sign in.
    const out = () => {
      session.signOut();
      setSignedIn(false);
    };
    window.addEventListener("logwarden:unauthorized", out);
    return () => window.removeEventListener("logwarden:unauthorized", out);
  }, []);
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  return (
    <LiveProvider>
      <Shell
        onSignOut={() => {
          session.signOut();
          setSignedIn(false);
        }}
      />
    </LiveProvider>
  );
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const { path } = useLocation();
  const { connected } = useLive();
  const [unseen, setUnseen] = useState(0);
  // Narrow windows fold the sidebar behind a Menu button; a page change folds it again.
  const [menuOpen, setMenuOpen] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page closes the menu.
  useEffect(() => setMenuOpen(false), [path]);
  useLiveAnomalies(() => {
    if (!location.pathname.startsWith("/ui/anomalies")) setUnseen((n) => n + 1);
  });
  useEffect(() => {
    if (path === "/" || path === "/ui" || path === "/ui/") navigate("/ui/overview", true);
    if (path.startsWith("/ui/anomalies")) setUnseen(0);
  }, [path]);
  useEffect(() => {
    const title = NAV.find(([href]) => path.startsWith(href))?.[1];
    document.title = title ? `${title} · Logwarden` : "Logwarden";
  }, [path]);
  return (
    <div className="shell">
      <header className="topbar">
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          <span aria-hidden="true">☰</span> Menu
        </button>
        <div className="brand">
          Log<span>warden</span>
        </div>
      </header>
      <nav id="main-nav" className={`sidebar${menuOpen ? " open" : ""}`} aria-label="Main">
        <div className="brand">
          Log<span>warden</span>
        </div>
        {NAV.map(([href, label]) => (
          <Link key={href} href={href} aria-current={path.startsWith(href) ? "page" : undefined}>
            {label}
            {href === "/ui/anomalies" && unseen > 0 && (
              <span className="badge" role="status" aria-label={`${unseen} new anomalies`}>
                {unseen}
              </span>
            )}
          </Link>
        ))}
        <div className="spacer" />
        <TimeZoneToggle />
        <div className={`live ${connected ? "on" : ""}`} role="status">
          <span className="dot" aria-hidden="true" />
          {connected ? "Live updates on" : "Live updates reconnecting…"}
        </div>
        <button type="button" className="sign-out" onClick={onSignOut}>
          Sign out
        </button>
      </nav>
      <main>
        <Page path={path} />
      </main>
    </div>
  );
}

function Page({ path }: { path: string }) {
  const detail = /^\/ui\/anomalies\/(\d+)$/.exec(path);
  if (detail) return <AnomalyDetailPage id={Number(detail[1])} />;
  const alert = /^\/ui\/incidents\/alerts\/([^/]+)$/.exec(path);
  if (alert) return <AlertDetailPage id={decodeURIComponent(alert[1]!)} />;
  if (path.startsWith("/ui/anomalies")) return <AnomaliesPage />;
  if (path.startsWith("/ui/incidents")) return <IncidentsPage />;
  if (path.startsWith("/ui/templates")) return <TemplatesPage />;
  if (path.startsWith("/ui/logs")) return <LogsPage />;
  if (path.startsWith("/ui/settings")) return <SettingsPage />;
  if (path.startsWith("/ui/suppressions")) return <SuppressionsPage />;
  if (path.startsWith("/ui/rules")) return <RulesPage />;
  return <OverviewPage />;
}
