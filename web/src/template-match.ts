/** The wildcard a mined template puts where its lines differ. */
export const WILD = "<*>";

/**
 * The values that filled each `<*>` when `message` fits `template` (one per wildcard, in order; none for
 * a template without wildcards), else null. Each wildcard stands for at least one character.
 *
 * No regular expression is built from the template: `^a(.+?)b(.+?)c$` backtracks without end on a long
 * line that almost fits (a few wildcards over a few hundred words took seconds to hours, on the page's
 * main thread), and a megabytes-long template is a "Regular expression too large". Instead the literal
 * parts are found in order, each at its first place after the previous one: a line fits if and only if
 * those first places do (an earlier place only leaves more room for what follows), and they give each
 * wildcard its shortest value, the last one taking the rest — the values the lazy expression captured.
 * Each literal part is searched for once, from where the previous one ended.
 */
export function matchTemplate(template: string, message: string): string[] | null {
  const parts = template.split(WILD);
  if (parts.length === 1) return message === template ? [] : null;
  const head = parts[0]!;
  const tail = parts.at(-1)!;
  if (!message.startsWith(head) || !message.endsWith(tail)) return null;
  // Where the last literal starts; the wildcards and the literals between them fit in [head, end).
  const end = message.length - tail.length;
  const values: string[] = [];
  let from = head.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    // The wildcard before this part takes at least one character.
    const at = from < end ? message.indexOf(part, from + 1) : -1;
    // The last wildcard still needs a character before `end`; a later place would leave it less room.
    if (at < 0 || at + part.length >= end) return null;
    values.push(message.slice(from, at));
    from = at + part.length;
  }
  if (from >= end) return null;
  values.push(message.slice(from, end));
  return values;
}
