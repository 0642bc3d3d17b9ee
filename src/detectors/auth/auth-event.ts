import type { JsonValue } from "../../core/json.js";
import type { LogRecord } from "../../core/log-record.js";
import { BatchMemo } from "../batch-memo.js";
import { recordTimeMs } from "../record-time.js";
import { fromServiceText, SERVICE_AUTH_WORDS } from "./service-auth.js";

/**
 * One authentication fact, whatever the record looked like: a system 002 JSON record (`user`,
 * `source_ip`, `event_type`, `action` attributes), an sshd / sudo / su / PAM syslog line, or the
 * authentication line of a mail, FTP, web or VPN server (`service-auth.ts`). Every
 * security rule reads this and nothing else, so a new log shape is taught in one place.
 */
export interface AuthEvent {
  /** `login`: an attempt to log in; `escalation`: becoming another (privileged) user. */
  kind: "login" | "escalation";
  outcome: "success" | "failure";
  /** The account tried (login) or the user who escalated (escalation). */
  user: string | null;
  sourceIp: string | null;
  /** Escalation target (`root` for most sudo lines). */
  targetUser: string | null;
  /** Command run through sudo, when the line says. */
  command: string | null;
  /** `password`, `publickey`, `sudo`, `su`, `pam`…, or the kind of service: `imap`, `smtp-sasl`, `ftp`, `http-basic`, `vpn`… */
  method: string | null;
  /**
   * The program the attempt was made against (`sshd`, `dovecot`, `postfix`, `vsftpd`, `nginx`, `openvpn`,
   * `sudo`; a PAM line's PAM service): failures from one address add up across services, and a finding
   * names the ones it saw.
   */
  service: string | null;
  /**
   * The fingerprint of the SSH key a `publickey` login used (`SHA256:…` or `MD5:…`), when sshd logs it
   * (`Accepted publickey for alice from … ssh2: ED25519 SHA256:…`): the key lives on the user's device,
   * so it names the device the way a browser fingerprint does for a web sign-in.
   */
  keyFingerprint: string | null;
  /** sshd said the account does not exist. */
  invalidUser: boolean;
  /** Attempts this one record stands for (`message repeated 3 times`, `3 incorrect password attempts`). */
  count: number;
  /**
   * The same fact is always logged twice by the program (sudo's PAM session line beside its own
   * `COMMAND=` line), so counting rules skip this form.
   */
  mirrored: boolean;
  /**
   * PAM's report of a login failure of a service whose own line is read too (`pam_unix(sshd:auth):
   * authentication failure`, `sshd(pam_unix)[pid]: …`, `pam_unix(dovecot:auth): …`, vsftpd's, OpenVPN's).
   * Most hosts also write the service's own line (`Failed password`, `FAIL LOGIN`) for the same attempt,
   * some write only this form: `SshAttempts` decides per host and service which to count.
   */
  pamReport: boolean;
  /** Epoch ms of the record. */
  at: number;
}

type Fields = Omit<AuthEvent, "at" | "count" | "mirrored" | "pamReport" | "keyFingerprint" | "service"> & {
  service?: string | null;
  keyFingerprint?: string | null;
  count?: number;
  mirrored?: boolean;
  pamReport?: boolean;
};

const IP = "(?<ip>[0-9a-fA-F.:]+)";
const USER = String.raw`(?<user>\S+)`;

/** sshd: `Failed password for [invalid user ]X from IP port N ssh2`, also publickey, keyboard-interactive. */
const SSHD_FAILED = new RegExp(
  String.raw`^Failed (?<method>\S+) for (?<invalid>invalid user )?${USER} from ${IP}(?: port \d+)?`,
);
const SSHD_ACCEPTED = new RegExp(String.raw`^Accepted (?<method>\S+) for ${USER} from ${IP}(?: port \d+)?`);
/** The key sshd names after `ssh2:` (`ED25519 SHA256:…`, `RSA-CERT SHA256:… ID …`, older `MD5:…`). */
const KEY_FINGERPRINT = /\bssh2: \S+ (?<fp>(?:SHA256|MD5):\S+)/;
/** rsyslog folds repeats: `message repeated 3 times: [ Failed password for root from … ]`. */
const REPEATED = /^message repeated (?<n>\d+) times: \[\s*(?<inner>.*?)\s*\]$/;
/** PAM: `pam_unix(sshd:auth): authentication failure; logname= uid=0 … rhost=IP  user=X`. */
const PAM_FAILURE = /^(?:pam_\w+\((?<service>[\w-]+):auth\): )?authentication failure;(?<rest>.*)$/;
/** PAM session: `pam_unix(su:session): session opened for user root by alice(uid=1000)`. */
const PAM_SESSION =
  /^(?:pam_\w+\((?<service>[\w-]+):session\): )?session opened for user (?<target>[^\s(]+)(?:\(uid=\d+\))? by (?<by>[^\s(]*)(?:\(uid=(?<uid>\d+)\))?/;
/** sudo: `alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash`. */
const SUDO_COMMAND =
  /^\s*(?<user>[^\s:]+) : (?:(?<fail>.*?(?:incorrect password attempts?|NOT in sudoers|authentication failure)[^;]*) ; )?(?<rest>TTY=.*)$/;
/** su: `(to root) alice on pts/0`, `FAILED SU (to root) alice on pts/0`. */
const SU = /^(?<failed>FAILED SU )?\(to (?<target>[^)]+)\) (?<user>\S+) on /;

function str(value: JsonValue | undefined): string | null {
  if (typeof value === "string") return value.trim() === "" ? null : value.trim();
  if (typeof value === "number") return String(value);
  return null;
}

/** The program that wrote the line: `service.name` without a `[pid]` suffix, lower case. */
function programOf(record: Pick<LogRecord, "resource">): string {
  const name = record.resource["service.name"];
  if (typeof name !== "string") return "";
  // Runs of one service's lines: its name is cleaned once.
  if (name !== lastServiceName) {
    lastServiceName = name;
    lastProgram = name.replace(/\[\d+\]$/, "").toLowerCase();
  }
  return lastProgram;
}

let lastServiceName = "";
let lastProgram = "";

/** The `name=value` fields PAM's failure line is read for, compiled once instead of once per line. */
const PAM_FIELDS = {
  user: pamFieldPattern("user"),
  ruser: pamFieldPattern("ruser"),
  logname: pamFieldPattern("logname"),
  rhost: pamFieldPattern("rhost"),
};

function pamFieldPattern(name: string): RegExp {
  return new RegExp(String.raw`(?:^|\s)${name}=(\S*)`);
}

function pamField(rest: string, name: keyof typeof PAM_FIELDS): string | null {
  const m = PAM_FIELDS[name].exec(rest);
  return m?.[1] ? m[1] : null;
}

function fromSudoRest(rest: string): { target: string | null; command: string | null } {
  const target = /(?:^|; )USER=([^\s;]+)/.exec(rest)?.[1] ?? null;
  const command = /(?:^|; )COMMAND=(.*)$/.exec(rest)?.[1]?.trim() ?? null;
  return { target, command };
}

/**
 * A fact as most text forms state it (no target, command or key; one attempt unless repeated), every
 * field present: the forms set what they know on it. Built whole rather than spread from a shared base:
 * a spread that then overrode some of the base's keys cost V8 about 10 µs a line, most of what reading an
 * authentication line cost.
 */
function textFact(
  kind: AuthEvent["kind"],
  outcome: AuthEvent["outcome"],
  user: string | null,
  sourceIp: string | null,
  method: string | null,
  count: number,
  service: string | null,
): Fields {
  return {
    kind,
    outcome,
    user,
    sourceIp,
    targetUser: null,
    command: null,
    method,
    service,
    keyFingerprint: null,
    invalidUser: false,
    count,
    mirrored: false,
    pamReport: false,
  };
}

/** Parses the message text of sshd, sudo, su and PAM lines. */
function fromText(body: string, program: string): Fields | null {
  let text = body.trim();
  let count = 1;
  // Both patterns are anchored: a line that does not start so cannot match them.
  const repeated = text.startsWith("message repeated ") ? REPEATED.exec(text) : null;
  if (repeated?.groups) {
    count = Number(repeated.groups.n);
    text = repeated.groups.inner!;
  }
  // Some producers keep the program in the body (`sudo: alice : TTY=…`, `sshd[12]: Failed …`). Only
  // those programs count, and each of their names starts with `ss`, `su` or `login`.
  const prefixed =
    text.startsWith("ss") || text.startsWith("su") || text.startsWith("login")
      ? /^(?<prog>[\w.-]+)(?:\[\d+\])?: (?<rest>.*)$/.exec(text)
      : null;
  if (prefixed?.groups && /^(sshd|sudo|su|login|sshd-session)$/.test(prefixed.groups.prog!)) {
    program = prefixed.groups.prog!;
    text = prefixed.groups.rest!;
  }

  let m = SSHD_FAILED.exec(text);
  if (m?.groups) {
    const fact = textFact("login", "failure", m.groups.user!, m.groups.ip!, m.groups.method!, count, "sshd");
    fact.invalidUser = m.groups.invalid !== undefined;
    return fact;
  }
  m = SSHD_ACCEPTED.exec(text);
  if (m?.groups) {
    const fact = textFact("login", "success", m.groups.user!, m.groups.ip!, m.groups.method!, count, "sshd");
    if (m.groups.method === "publickey") fact.keyFingerprint = KEY_FINGERPRINT.exec(text)?.groups?.fp ?? null;
    return fact;
  }
  m = PAM_FAILURE.exec(text);
  if (m?.groups) {
    const service = pamService(m.groups.service ?? program);
    const rest = m.groups.rest!;
    const sudo = service === "sudo" || service === "su";
    const user = sudo ? (pamField(rest, "ruser") ?? pamField(rest, "logname")) : pamField(rest, "user");
    const fact = textFact(
      sudo ? "escalation" : "login",
      "failure",
      user,
      pamField(rest, "rhost"),
      "pam",
      count,
      service || null,
    );
    fact.targetUser = sudo ? pamField(rest, "user") : null;
    fact.pamReport = PAIRED_PAM_SERVICES.has(service);
    return fact;
  }
  m = PAM_SESSION.exec(text);
  if (m?.groups) {
    const by = m.groups.by ?? "";
    const target = m.groups.target!;
    // `session opened for user alice by (uid=0)` is sshd opening a login session: not an escalation.
    if (by === "" || by === target) return null;
    const service = pamService(m.groups.service ?? program);
    const method = service === "sudo" || service === "su" ? service : "pam";
    const fact = textFact("escalation", "success", by, null, method, count, service || null);
    fact.targetUser = target;
    // sudo logs its own COMMAND line for the same act; count it there.
    fact.mirrored = service === "sudo";
    return fact;
  }
  if (program === "sudo") {
    m = SUDO_COMMAND.exec(text);
    if (m?.groups) {
      const { target, command } = fromSudoRest(m.groups.rest!);
      const fail = m.groups.fail;
      const attempts = fail ? Number(/(\d+) incorrect password/.exec(fail)?.[1] ?? 1) : 1;
      const outcome = fail ? "failure" : "success";
      const fact = textFact("escalation", outcome, m.groups.user!, null, "sudo", count * attempts, "sudo");
      fact.targetUser = target ?? "root";
      fact.command = command;
      return fact;
    }
  }
  if (program === "su") {
    m = SU.exec(text);
    if (m?.groups) {
      const outcome = m.groups.failed ? "failure" : "success";
      const fact = textFact("escalation", outcome, m.groups.user!, null, "su", count, "su");
      fact.targetUser = m.groups.target!;
      return fact;
    }
  }
  return fromService(text, program, count);
}

/** A mail, FTP, web or VPN server's login line (`service-auth.ts`) as a login fact. */
function fromService(text: string, program: string, count: number): Fields | null {
  const s = fromServiceText(text, program);
  if (s === null) return null;
  const fact = textFact("login", s.outcome, s.user, s.sourceIp, s.method, count * s.count, s.service);
  fact.invalidUser = s.invalidUser;
  fact.mirrored = s.mirrored;
  return fact;
}

/**
 * PAM services whose program also writes its own line for the same failure (sshd's `Failed password`,
 * dovecot's `auth failed`, vsftpd's `FAIL LOGIN`, postfix's SASL warning for saslauthd's `smtp`…): their PAM
 * lines are `pamReport`s, counted only on hosts that do not write the program's own form.
 */
const PAIRED_PAM_SERVICES = new Set([
  "sshd",
  "dovecot",
  "imap",
  "pop3",
  "smtp",
  "vsftpd",
  "proftpd",
  "ftp",
  "openvpn",
]);

/** A PAM service as a program name: `sshd(pam_unix)` (old Red Hat's tag) and `sshd-session` are sshd. */
function pamService(name: string): string {
  const paren = name.indexOf("(");
  const bare = paren >= 0 ? name.slice(0, paren) : name;
  return bare === "sshd-session" ? "sshd" : bare;
}

const FAILURE_ACTIONS = /^(fail|failed|failure|denied|deny|rejected|reject|invalid|error|blocked)$/i;
const SUCCESS_ACTIONS =
  /^(success|succeeded|successful|ok|accepted|accept|allowed|allow|granted|pass|passed)$/i;
const ESCALATION_TYPES = /^(sudo|su|privilege[_ -]?escalation|escalation|elevate|runas|admin)$/i;
const LOGIN_TYPES = /^(login|logon|auth|authentication|ssh|sign[_ -]?in|signin|password)$/i;

/** A system 002 record: the fields arrive as attributes, the message as the body. */
function fromFields(record: Pick<LogRecord, "body" | "attributes">): Fields | null {
  const a = record.attributes;
  const action = str(a.action);
  const eventType = str(a.event_type);
  if (action === null || eventType === null) return null;
  const escalation = ESCALATION_TYPES.test(eventType);
  if (!escalation && !LOGIN_TYPES.test(eventType)) return null;
  const outcome = FAILURE_ACTIONS.test(action) ? "failure" : SUCCESS_ACTIONS.test(action) ? "success" : null;
  if (outcome === null) return null;
  const user = str(a.user);
  const parsed = fromText(record.body, "");
  return {
    kind: escalation ? "escalation" : "login",
    outcome,
    user,
    sourceIp: str(a.source_ip) ?? parsed?.sourceIp ?? null,
    targetUser: escalation ? (str(a.target_user) ?? parsed?.targetUser ?? "root") : null,
    command: str(a.command) ?? parsed?.command ?? null,
    method: parsed?.method ?? eventType.toLowerCase(),
    service: str(a.service) ?? parsed?.service ?? null,
    keyFingerprint: str(a.key_fingerprint) ?? parsed?.keyFingerprint ?? null,
    invalidUser: parsed?.invalidUser ?? false,
  };
}

/**
 * Mail protocols' logins (IMAP, POP3, SMTP AUTH…): a mail client logs in by itself every few minutes,
 * around the clock and from whatever network the phone is on, so these logins tell nothing of when and
 * where the person works. Rules that learn a user's hours and networks leave them out; rules that count
 * failures or look for a success after them read them like any login.
 */
const POLLED_METHODS = new Set(["imap", "pop3", "smtp-sasl", "submission", "managesieve", "mail-auth"]);

export function isPolledLogin(event: Pick<AuthEvent, "method">): boolean {
  return event.method !== null && POLLED_METHODS.has(event.method);
}

type AuthRecord = Pick<LogRecord, "timestamp" | "body" | "attributes" | "resource">;

/**
 * The authentication fact a record states, or null when it states none. Structured fields win over
 * the message text; the text is parsed only for the programs that write such lines (or any program
 * for sshd's distinctive `Failed …`/`Accepted …` sentences).
 */
export function authEventOf(record: AuthRecord): Readonly<AuthEvent> | null {
  if (!mayStateAuth(record)) return null;
  // Each security detector and the entity extraction ask for the same record's event (up to eight
  // times a line); the regexes ran every time, about 6% of ingest's main thread.
  let event = parsedEvents.get(record);
  if (event === undefined) {
    event = parseAuthEvent(record);
    parsedEvents.set(record, event);
  }
  return event;
}

/**
 * The events of a batch's records, in its order (`authEventOf` of each), found once for all the
 * security detectors the batch goes through: most records state none, and finding that out once costs
 * less than looking each record up again in every detector.
 */
export function authEventsOf(batch: readonly AuthRecord[]): readonly (Readonly<AuthEvent> | null)[] {
  return batchEvents.of(batch);
}

const batchEvents = new BatchMemo<AuthRecord, string, Readonly<AuthEvent> | null>(
  (record) => record.body,
  authEventOf,
);

/** Records already parsed (records are not changed after decoding; the map lets them go with them). */
const parsedEvents = new WeakMap<object, AuthEvent | null>();

/**
 * Whether the record could state an event at all: structured `action` and `event_type` fields (what
 * `fromFields` needs), or one of the words each form `fromText` reads requires (`^Failed `, `^Accepted `,
 * `authentication failure;`, `session opened for user `, sudo's `TTY=`, su's `(to `, or one of the words
 * of a mail, FTP, web or VPN server's login line: `mayStateServiceAuth`). The text it parses
 * is a part of the body, so a body without any of them is no event, and almost no line of an application
 * or a data platform has one: the regex cascade and the program name are then skipped.
 */
function mayStateAuth(record: AuthRecord): boolean {
  const a = record.attributes;
  if (a.action !== undefined && a.event_type !== undefined) return true;
  return MAY_STATE_AUTH.test(record.body);
}

/**
 * The words of `mayStateAuth`, in one regex: one scan of the line for all of them cost less than six
 * `includes` did for sshd's, sudo's and su's words alone once the other services' words came (about 180
 * against 240 ns a line that has none, and 100 before them).
 */
const MAY_STATE_AUTH = new RegExp(
  String.raw`Failed |Accepted |authentication failure;|session opened for user |TTY=|\(to |${SERVICE_AUTH_WORDS}`,
);

function parseAuthEvent(record: AuthRecord): AuthEvent | null {
  const fields = fromFields(record) ?? fromText(record.body, programOf(record));
  if (fields === null) return null;
  const at = recordTimeMs(record.timestamp);
  // Field by field, not spread with defaults: see `textFact`.
  return {
    kind: fields.kind,
    outcome: fields.outcome,
    user: fields.user,
    sourceIp: fields.sourceIp,
    targetUser: fields.targetUser,
    command: fields.command,
    method: fields.method,
    service: fields.service ?? null,
    keyFingerprint: fields.keyFingerprint ?? null,
    invalidUser: fields.invalidUser,
    count: fields.count ?? 1,
    mirrored: fields.mirrored ?? false,
    pamReport: fields.pamReport ?? false,
    at: Number.isNaN(at) ? 0 : at,
  };
}
