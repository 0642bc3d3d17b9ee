import { isJsonObject, type JsonValue } from "../../core/json.js";
import type { ParsedRecord } from "../../core/log-record.js";
import type { UndoLog } from "../../core/undo.js";
import { LruMap } from "../lru.js";
import type { AuthEvent } from "./auth-event.js";

/** How far apart PAM's line and sshd's own line for one attempt may be (they are usually the same second). */
const PAIR_MS = 10_000;
/** Hosts remembered; a host forgotten only costs one attempt counted twice when it comes back. */
const MAX_HOSTS = 4096;

function hostOf(record: ParsedRecord): string {
  const host = record.resource["host.name"];
  return typeof host === "string" ? host : "";
}

/**
 * Which lines report the same attempts, by the service they name: a PAM line of `dovecot` and dovecot's
 * or postfix's own line (postfix asks dovecot, or saslauthd's `smtp` PAM service), a PAM line of
 * `vsftpd` and vsftpd's `FAIL LOGIN`. Services missing here and not in `UNPAIRED` are sshd's family, as
 * every login was before other services were read (a JSON record's `login`, sshd itself).
 */
const FAMILIES: Readonly<Record<string, string>> = {
  dovecot: "mail",
  postfix: "mail",
  smtp: "mail",
  imap: "mail",
  pop3: "mail",
  vsftpd: "ftp",
  proftpd: "ftp",
  ftp: "ftp",
  openvpn: "vpn",
};

/** Services whose failures no PAM line repeats (web basic auth checks its own password file). */
const UNPAIRED = new Set(["nginx", "apache"]);

/** The family of an event's service, or null when nothing else reports its attempts. */
function familyOf(event: AuthEvent): string | null {
  const service = event.service;
  if (service === null) return "ssh";
  if (UNPAIRED.has(service)) return null;
  return FAMILIES[service] ?? "ssh";
}

/**
 * Counts each sshd login failure once, whichever forms a host writes. Most hosts log an attempt twice —
 * PAM's `authentication failure` line, then sshd's own `Failed password` — while others (old Red Hat
 * `/var/log/messages`, LogHub's Linux log) write only PAM's. A host is taken to write both once it has
 * written sshd's own form; before that its PAM lines count, and the first own-form line that follows a
 * counted PAM line of the same sshd process (or source address) is that attempt's second report. The
 * same holds per family of services (`FAMILIES`) for dovecot, postfix, vsftpd, proftpd and OpenVPN, whose
 * PAM lines repeat their own lines as sshd's do.
 */
export class SshAttempts {
  readonly #ownFormHosts = new LruMap<string, true>(MAX_HOSTS);
  /** host + process (or source) of a PAM line counted while the host was not known to write both → its time. */
  readonly #unpaired = new LruMap<string, number>(MAX_HOSTS);

  /** `undo`: the owning detector's log (values are plain, so a copy is the value itself). */
  constructor(undo: UndoLog) {
    this.#ownFormHosts.recordTo(undo, (v) => v);
    this.#unpaired.recordTo(undo, (v) => v);
  }

  /** Whether a login failure is a new attempt rather than the second report of one already counted. */
  isNewAttempt(event: AuthEvent, record: ParsedRecord): boolean {
    if (event.kind !== "login" || event.outcome !== "failure") return true;
    const family = familyOf(event);
    if (family === null) return true;
    // sshd's hosts are kept by name alone, as state exported before other services were read has them.
    const host = family === "ssh" ? hostOf(record) : `${hostOf(record)}|${family}`;
    if (event.pamReport) {
      if (this.#ownFormHosts.has(host)) return false;
      this.#unpaired.set(this.#pairKey(host, family, event, record), event.at);
      return true;
    }
    if (event.method === "pam" || event.mirrored) return true;
    this.#ownFormHosts.set(host, true);
    const key = this.#pairKey(host, family, event, record);
    const pamAt = this.#unpaired.peek(key);
    if (pamAt === undefined) return true;
    this.#unpaired.delete(key);
    return Math.abs(event.at - pamAt) > PAIR_MS;
  }

  /**
   * sshd writes both lines of an attempt from one process; other services' two lines come from two
   * (dovecot's auth worker and login process, postfix and saslauthd), so only the address pairs them.
   */
  #pairKey(host: string, family: string, event: AuthEvent, record: ParsedRecord): string {
    const pid = family === "ssh" ? record.attributes["process.pid"] : undefined;
    return `${host}|${typeof pid === "number" ? `pid:${pid}` : `ip:${event.sourceIp ?? "?"}`}`;
  }

  exportState(): JsonValue {
    return { own_form_hosts: [...this.#ownFormHosts.entries()].map(([host]) => host) };
  }

  importState(state: JsonValue | undefined): void {
    if (!isJsonObject(state) || !Array.isArray(state.own_form_hosts)) return;
    for (const host of state.own_form_hosts) if (typeof host === "string") this.#ownFormHosts.set(host, true);
  }
}
