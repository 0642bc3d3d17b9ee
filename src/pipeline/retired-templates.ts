import type { ParsedRecord } from "../core/log-record.js";
import type { TemplateInfo, TemplateMiner } from "../core/template.js";

export type RetiredTemplate = TemplateInfo & { replacedBy: string };

/**
 * Templates this batch's lines carry that are no longer live because a later line of the same batch
 * generalised them. The periodic save only writes live templates and links already-stored ones, so these
 * ids had no `templates` row (13 of them after 40 batches of LogHub OpenSSH/HDFS/Apache lines).
 */
export function retiredTemplates(parsed: readonly ParsedRecord[], miner: TemplateMiner): RetiredTemplate[] {
  const retired = new Map<string, RetiredTemplate>();
  for (const r of parsed) {
    const replacedBy = miner.resolve(r.stream, r.templateId);
    if (replacedBy === r.templateId) continue;
    const seen = retired.get(r.templateId);
    if (!seen) {
      retired.set(r.templateId, {
        stream: r.stream,
        templateId: r.templateId,
        template: r.template,
        count: 1,
        firstSeen: r.timestamp,
        lastSeen: r.timestamp,
        replacedBy,
      });
      continue;
    }
    seen.count++;
    if (r.timestamp < seen.firstSeen) seen.firstSeen = r.timestamp;
    if (r.timestamp > seen.lastSeen) seen.lastSeen = r.timestamp;
  }
  return [...retired.values()];
}
