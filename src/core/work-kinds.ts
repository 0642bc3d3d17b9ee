/**
 * The units of work operational findings name, as security findings name users and addresses: a storage
 * block, a YARN application, container, job or task attempt, a Kubernetes pod. A finding carries each as a
 * feature named by its kind (`features.block = "blk_-1608999687919862906"`), and incidents group the
 * findings that share one (src/correlate/incidents.ts). Recognised in src/detectors/work-ids.ts.
 */
export const WORK_KINDS = ["block", "application", "container", "job", "attempt", "pod"] as const;
export type WorkKind = (typeof WORK_KINDS)[number];
