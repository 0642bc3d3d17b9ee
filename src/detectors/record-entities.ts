import type { JsonObject } from "../core/json.js";
import { hostOf, type ParsedRecord } from "../core/log-record.js";
import { authEventOf } from "./auth/auth-event.js";
import { isWifiDrop } from "./wifi.js";
import { workIdsOf } from "./work-ids.js";

/**
 * Who and where a record is about, as finding features (`user`, `source_ip`, `host`, and the units of work
 * it names: `block`, `application`, `container`, `job`, `attempt`, `pod`): what lets a finding
 * keyed on a template or a service name the account, address and machine it concerns, so an analyst (and
 * incident grouping) can join it to the other findings about them. Nothing is parsed here that the miner
 * or the auth reader has not already found.
 */
export function recordEntities(record: ParsedRecord): JsonObject {
  const out: JsonObject = {};
  const auth = authEventOf(record);
  const user = auth?.user ?? stringAttr(record, "user");
  const ip = auth?.sourceIp ?? sourceOf(record);
  const host = hostOf(record);
  if (user) out.user = user;
  if (ip) out.source_ip = ip;
  if (host) out.host = host;
  // The units of work it is about (a block, an application, a pod): the first id of each kind.
  for (const w of workIdsOf(record)) if (!(w.kind in out)) out[w.kind] = w.id;
  return out;
}

/**
 * A login, privilege-escalation or WiFi-drop line: the security rules judge it against this user's, this
 * team's or this access point's habits (a first sudo of a command nobody vouches for, a login from a new
 * network, a burst of kicked stations). Template novelty or rarity of such a line (the first `sudo tail`
 * anybody ran, the first "deauthenticated due to local deauth request") would only repeat them without
 * that knowledge, so `new_template` and `rare_template` leave it to them.
 */
export function judgedBySecurityRules(record: ParsedRecord): boolean {
  return authEventOf(record) !== null || isWifiDrop(record);
}

/**
 * The address a record came from: its first parameter the miner typed as an IP, else a `source_ip` or
 * `client.address` attribute.
 */
export function sourceOf(record: ParsedRecord): string | null {
  for (const p of record.params) if (p.type === "ip") return withoutSlash(p.value);
  // Read by name, not through `stringAttr`: the volume detector asks for every record, and a lookup by
  // a variable key was most of what this cost.
  const a = record.attributes;
  const ip = a.source_ip;
  if (typeof ip === "string" && ip !== "") return ip;
  const client = a["client.address"];
  return typeof client === "string" && client !== "" ? client : null;
}

/** `value.replace(/^\//, "")` without a regex: a miner's IP parameter may keep the `/` of `/10.0.0.1`. */
function withoutSlash(value: string): string {
  return value.charCodeAt(0) === 47 ? value.slice(1) : value;
}

function stringAttr(record: ParsedRecord, name: string): string | null {
  const v = record.attributes[name];
  return typeof v === "string" && v !== "" ? v : null;
}
