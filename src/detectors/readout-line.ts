/**
 * Whether a log line's body is a readout: values printed under names (a register dump, a state table),
 * not an event. Systems that crash print the state they crashed in, often at the crash's own level:
 * BGL's kernel writes `machine state register: 0x00002000` and `floating pt ex mode 0 enable......0`
 * at FATAL, Linux's oops writes `RAX: 0000000000000000 RBX: ffff888003a1c000`. Such lines describe an
 * event another line names; on their own they say nothing happened, so the severe-event detector does
 * not open a finding for them.
 *
 * Three shapes, each only names and values, with nothing else said:
 * - a dotted leader: a label, three or more dots, a value (`store operation.......0`, a printed table);
 * - a register list: short `name=value` or `name:value` pairs (`lr:00004ed8 cr:28000002`, `r24=0x0`);
 * - a labelled value: a few words, a colon, one value or none (`instruction address: 0x00004ed8`,
 *   `special purpose registers:`).
 * A line that says anything more (`rts: kernel terminated for reason 1001`, an address, a path, a word
 * after the value) is not a readout.
 */

/**
 * A number or a hexadecimal value (with or without `0x`) holding at least one digit, ending where a word
 * does. Written so that a line can be split into names and values one way only: a log line is attacker
 * input, and a pattern that could try many splits of a long `a=1a=1a=1…` would be a way to stall ingest.
 */
const VALUE = "(?:0x)?(?=[0-9a-fA-F]*[0-9])[0-9a-fA-F]+(?![0-9A-Za-z_])";
const NAME = "[A-Za-z][A-Za-z0-9_]{0,15}";
const DOTTED_LEADER = new RegExp(String.raw`^[^]{1,160}?\.{3,}\s*${VALUE}(?:\s*\([^)]{0,16}\))?$`);
const REGISTER_LIST = new RegExp(
  String.raw`^${NAME}\s*[:=]\s*${VALUE}(?:[\s,]+${NAME}\s*[:=]\s*${VALUE})*,?$`,
);
const LABELLED_VALUE = new RegExp(String.raw`^[A-Za-z][A-Za-z ]{0,48}:\s*(?:${VALUE})?$`);
/**
 * Words that make a labelled value an event (`connection refused: 10`, `write failed: 28`): a readout's
 * label names a quantity, never what went wrong.
 */
const WENT_WRONG =
  /\b(?:fail\w*|errors?|refused|denied|abort\w*|panic\w*|killed|timeout|timed|lost|corrupt\w*|unable|cannot|invalid|crash\w*|terminated|exceeded|overflow|violation)\b/i;
/** Longer bodies are never readouts: a dump line is short, and the patterns stay cheap. */
const MAX_READOUT_CHARS = 200;

export function isReadoutLine(body: string): boolean {
  const text = body.trim();
  if (text.length === 0 || text.length > MAX_READOUT_CHARS) return false;
  if (DOTTED_LEADER.test(text) || REGISTER_LIST.test(text)) return true;
  return LABELLED_VALUE.test(text) && !WENT_WRONG.test(text);
}

/**
 * The caller's own error the line ends with, as the C library words it (`strerror`), or null: the file or
 * directory it named does not exist or is not one, it may not use it, it is no program. A severe line that
 * blames the caller (BGL's job launcher: `ciod: Error loading /home/x/a.rts: invalid or missing program
 * image, No such file or directory`) is a request gone wrong, as an HTTP 4xx is, not the system failing;
 * the system's own failures read otherwise (`Input/output error`, `Connection reset by peer`, `Link has been
 * severed`, `No child processes`).
 */
const CALLER_ERRORS =
  /(No such file or directory|Permission denied|Operation not permitted|Exec format error|Not a directory|Is a directory|File exists|Block device required|File name too long)\s*$/;

export function callerCause(body: string): string | null {
  // Only the end of the line is looked at: the cause is the last clause.
  const match = CALLER_ERRORS.exec(body.length > 64 ? body.slice(-64) : body);
  return match ? match[1]! : null;
}
