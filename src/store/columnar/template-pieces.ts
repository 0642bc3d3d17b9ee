/**
 * A message encoded against its template: the template's static pieces (the text between `<*>` wildcards)
 * are matched in order, leftmost first, and what lies between them are the variable values. The values
 * need not be the miner's parameters (whitespace the miner normalised, a truncated line, a template that
 * generalised since): whatever they are, `fillPieces(pieces, values)` gives the message back exactly, and a
 * message the pieces do not fit is kept verbatim by the caller.
 */
export const WILDCARD = "<*>";

/** The static pieces of a template: one more than it has wildcards. */
export function templatePieces(template: string): string[] {
  return template.split(WILDCARD);
}

/** The variable values of `message` between `pieces`, or null when the pieces do not fit it. */
export function splitByPieces(pieces: readonly string[], message: string): string[] | null {
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (pieces.length === 1) return message === first ? [] : null;
  if (!message.startsWith(first)) return null;
  const end = message.length - last.length;
  if (end < first.length || !message.endsWith(last)) return null;
  const values: string[] = [];
  let pos = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    const at = message.indexOf(piece, pos);
    if (at < 0 || at + piece.length > end) return null;
    values.push(message.slice(pos, at));
    pos = at + piece.length;
  }
  values.push(message.slice(pos, end));
  return values;
}

/** The message from its pieces and values (`values.length === pieces.length - 1`). */
export function fillPieces(pieces: readonly string[], values: readonly string[]): string {
  let out = pieces[0]!;
  for (let i = 0; i < values.length; i++) out += values[i]! + pieces[i + 1]!;
  return out;
}
