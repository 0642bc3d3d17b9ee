import type { DetectorKind } from "../core/detector.js";
import { detectorNamesOfKind } from "../detectors/registry.js";
import type { AnomalyFilters } from "../store/repos/anomaly-search.js";

/**
 * A detector kind as an anomaly filter, from the registry's declarations: security is the security
 * detectors, operational every other (so anomalies from outside the registry count there). One definition
 * for the REST list and MCP `search_anomalies`.
 */
export function kindFilter(
  kind: DetectorKind | undefined,
): Pick<AnomalyFilters, "detectorsIn" | "detectorsNotIn"> {
  if (!kind) return {};
  const security = detectorNamesOfKind("security");
  return kind === "security" ? { detectorsIn: security } : { detectorsNotIn: security };
}
