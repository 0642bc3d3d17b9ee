import type { TemplateMatch, TemplateMiner } from "../../core/template.js";

/** Per-line result of mining a whole input: the final (lineage-resolved) template of each line. */
export interface MinedLine {
  templateId: string;
  template: string;
}

/**
 * Mines `messages` in order, online, then reports for each line the template its cluster ended up
 * with (the convention of Drain-style evaluations: the id a line got on arrival, resolved through
 * lineage once the stream is done).
 */
export function mineAll(miner: TemplateMiner, stream: string, messages: Iterable<string>): MinedLine[] {
  return mineEach(miner, stream, messages, (m) => miner.add(stream, m));
}

/** `mineAll` with each input mined by `mine` (a raw line through `RawLineMiner`, say) into `miner`. */
export function mineEach<T>(
  miner: TemplateMiner,
  stream: string,
  inputs: Iterable<T>,
  mine: (input: T) => TemplateMatch,
): MinedLine[] {
  const ids: string[] = [];
  // Every text an id was reported with: an evicted template has no live text but still has this.
  const text = new Map<string, string>();
  for (const input of inputs) {
    const match = mine(input);
    ids.push(match.templateId);
    text.set(match.templateId, match.template);
  }
  for (const t of miner.templates()) if (t.stream === stream) text.set(t.templateId, t.template);
  return ids.map((id) => {
    const finalId = miner.resolve(stream, id);
    return { templateId: finalId, template: text.get(finalId) ?? text.get(id) ?? "" };
  });
}
