/**
 * A record's resource names its host (`"host.name":"R23-M0-NE-C:J05-U01"`), and the host is already a
 * column of its own. Stored as it is, the resource dictionary holds one entry per host: on a fleet, or
 * with node names that carry numbers, nearly one per line (a million fresh-valued lines: 0.85 MB of the
 * fields block, the resource texts again beside the host column). So a segment keeps the resource with the
 * host's value cut out, and puts the row's host back when it reads the row.
 *
 * An entry with the host cut out is `\u0001<text before the value>\u0001<text after it>`. Resources are
 * JSON texts, where a raw control character cannot occur, so no resource stored whole starts with it, and
 * segments written before (format versions 1 and 2) read as they always did.
 */

const CUT = "\u0001";
const HOST_KEY = '"host.name":';

/** The resource as a segment keeps it: with `host`'s JSON value cut out when the resource holds it. */
export function withoutHost(resource: string, host: string | null): string {
  if (host === null) return resource;
  const value = JSON.stringify(host);
  const at = resource.indexOf(HOST_KEY + value);
  if (at < 0) return resource;
  const cut = at + HOST_KEY.length;
  return `${CUT}${resource.slice(0, cut)}${CUT}${resource.slice(cut + value.length)}`;
}

/** A resource as `withoutHost` kept it, whole again with the row's `host`. */
export function withHost(stored: string, host: string | null): string {
  if (stored.charCodeAt(0) !== 1) return stored;
  const mid = stored.indexOf(CUT, 1);
  if (mid < 0 || host === null) throw new Error("a segment's resource names a host its row does not have");
  return stored.slice(1, mid) + JSON.stringify(host) + stored.slice(mid + 1);
}
