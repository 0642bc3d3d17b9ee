import type { ReactNode } from "react";
import { Link } from "../router";

/**
 * IPv4/IPv6 addresses, and user names after the words log lines use for them ("user alice",
 * "for root from", "user=bob"), as in sshd, PAM, Windows and web server logs.
 */
const ENTITY =
  /\b((?:\d{1,3}\.){3}\d{1,3})\b|\b((?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4})\b|\b(?:user(?:name)?[=: ]+|invalid user |for (?:invalid user )?)([A-Za-z_][\w.-]{0,31})(?= from\b|[\s,;)\]]|$)/gi;

/** Words that follow "for" in log lines but are not user names. */
const NOT_USERS = new Set([
  "block",
  "user",
  "the",
  "a",
  "an",
  "session",
  "invalid",
  "request",
  "host",
  "port",
]);

/**
 * Characters of a line whose addresses and names become links; the rest of a longer line (a context shows
 * one up to MAX_LINE_BYTES) is plain text, so a megabyte of addresses is not tens of thousands of links.
 */
const LINKED_CHARS = 64 * 1024;

/** `text` with every IP address and user name a link made by `hrefFor` (a search for that value). */
export function LinkedText({ text, hrefFor }: { text: string; hrefFor: (value: string) => string }) {
  const out: ReactNode[] = [];
  let last = 0;
  const linked = text.length > LINKED_CHARS ? text.slice(0, LINKED_CHARS) : text;
  for (const m of linked.matchAll(ENTITY)) {
    const value = m[1] ?? m[2] ?? m[3];
    if (!value || (m[3] && NOT_USERS.has(value.toLowerCase()))) continue;
    const at = (m.index ?? 0) + m[0].lastIndexOf(value);
    out.push(text.slice(last, at));
    out.push(
      <Link
        key={at}
        href={hrefFor(value)}
        className={m[3] ? "entity user" : "entity ip"}
        title={`Search for ${value}`}
      >
        {value}
      </Link>,
    );
    last = at + value.length;
  }
  out.push(text.slice(last));
  return <>{out}</>;
}
