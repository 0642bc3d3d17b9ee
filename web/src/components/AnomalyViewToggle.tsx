import { Link } from "../router";

export type AnomalyView = "findings" | "incidents";

/**
 * Findings | Incidents on the Anomalies page: the flat list of findings, or the same findings grouped by
 * the user, address or host they concern. Kept in the URL (`view=incidents`) so a view is shareable.
 */
export function AnomalyViewToggle({ view }: { view: AnomalyView }) {
  return (
    <nav className="view-toggle" aria-label="Anomaly view">
      <Link href="/ui/anomalies" aria-current={view === "findings" ? "page" : undefined}>
        Findings
      </Link>
      <Link href="/ui/anomalies?view=incidents" aria-current={view === "incidents" ? "page" : undefined}>
        Incidents
      </Link>
    </nav>
  );
}
