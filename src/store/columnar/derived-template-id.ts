import { createHash } from "node:crypto";

/**
 * Template ids are content-derived (src/parsers/drain/template-id.ts: the first 16 hex digits of
 * SHA-256 over stream, NUL, template text), so a segment need not store them: 8 incompressible bytes per
 * template entry were ~5% of a segment. This is a frozen copy of that rule, part of the segment format:
 * the encoder stores an id as derived only when this function gives it back exactly, so a later change
 * of the miner's rule makes new segments store ids literally and never changes what old ones decode to.
 */
export function derivedTemplateId(stream: string, template: string): string {
  const key = `${stream}\u0000${template}`;
  let id = recent.get(key);
  if (id === undefined) {
    id = createHash("sha256").update(key).digest("hex").slice(0, 16);
    // Every segment a read opens derives the ids of its templates, and the same templates recur in
    // segment after segment: hashing them again was ~5% of a search over a large store.
    if (recent.size >= RECENT_IDS) recent.clear();
    recent.set(key, id);
  }
  return id;
}

/** Ids derived lately, by stream NUL template; emptied when full (cheaper than an LRU, as effective). */
const recent = new Map<string, string>();
const RECENT_IDS = 8_192;
