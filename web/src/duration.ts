/** Durations in units a person reads at a glance; no DOM or React here, so server-side tests import it too. */

const UNITS = [
  { secs: 86_400, name: "d" },
  { secs: 3_600, name: "h" },
  { secs: 60, name: "min" },
  { secs: 1, name: "s" },
] as const;

/** `2310283` → `26 d 17 h`: the two largest units, so a duration reads at a glance. */
export function formatDuration(totalSecs: number): string {
  if (!Number.isFinite(totalSecs)) return String(totalSecs);
  let rest = Math.round(Math.abs(totalSecs));
  if (rest === 0) return "0 s";
  const out: string[] = [];
  for (const u of UNITS) {
    if (out.length === 2) break;
    const n = Math.floor(rest / u.secs);
    if (n > 0 || out.length > 0) {
      if (n > 0) out.push(`${n} ${u.name}`);
      rest -= n * u.secs;
      if (out.length > 0 && n === 0) break;
    }
  }
  return `${totalSecs < 0 ? "-" : ""}${out.join(" ")}`;
}

/** Rewrites "… in 2310283 s …" in detector text into human units ("in 26 d 17 h"). */
export function humanizeSeconds(text: string): string {
  return text.replace(/\b(\d+(?:\.\d+)?) s\b/g, (_, n: string) => formatDuration(Number(n)));
}
