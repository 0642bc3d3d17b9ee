/**
 * The log lines hosts write, in RFC 3164 form (`Mmm dd hh:mm:ss host program[pid]: message`), stamped in
 * UTC: the simulated fleet runs its servers and access points on UTC, as most fleets do, and Logwarden
 * reads zone-less syslog dates as UTC. People live in their own zones; their habits are converted to UTC
 * before anything is written.
 */
import type { Dice } from "./dice.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function syslogDate(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Every line of the week with its time; sorted once at the end, as a collector would merge them. */
export class Timeline {
  readonly #events: { at: number; line: string }[] = [];

  constructor(readonly dice: Dice) {}

  /** A fresh process id (sshd forks one per connection, sudo and CRON one per run). */
  pid(): number {
    return this.dice.int(1200, 64000);
  }

  write(at: number, host: string, program: string, message: string, pid?: number): void {
    const tag = pid === undefined ? program : `${program}[${pid}]`;
    this.#events.push({ at: Math.round(at), line: `${syslogDate(at)} ${host} ${tag}: ${message}` });
  }

  get size(): number {
    return this.#events.length;
  }

  lines(): string[] {
    return [...this.#events].sort((a, b) => a.at - b.at).map((e) => e.line);
  }
}

export interface SshLogin {
  host: string;
  user: string;
  uid: number;
  ip: string;
  method: "password" | "publickey";
  /** Session length in ms; the close lines are written this long after the login. */
  durationMs: number;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Each account has its own key, so its fingerprint is derived from the name (43 base64 characters, as sshd prints). */
function keyFingerprint(user: string): string {
  let h = 2166136261;
  let out = "";
  for (let i = 0; out.length < 43; i++) {
    h = Math.imul(h ^ user.charCodeAt(i % user.length) ^ i, 16777619) >>> 0;
    out += B64[h % 64];
  }
  return out;
}

/** A whole sshd session: accept, PAM and logind open lines, then the disconnect and close lines. */
export function sshSession(t: Timeline, at: number, s: SshLogin, logindSession: number): void {
  const pid = t.pid();
  const port = t.dice.int(32768, 60999);
  const key = s.method === "publickey" ? `: ED25519 SHA256:${keyFingerprint(s.user)}` : "";
  t.write(at, s.host, "sshd", `Accepted ${s.method} for ${s.user} from ${s.ip} port ${port} ssh2${key}`, pid);
  t.write(
    at + 40,
    s.host,
    "sshd",
    `pam_unix(sshd:session): session opened for user ${s.user}(uid=${s.uid}) by (uid=0)`,
    pid,
  );
  t.write(at + 60, s.host, "systemd-logind", `New session ${logindSession} of user ${s.user}.`, 811);
  const end = at + s.durationMs;
  t.write(end, s.host, "sshd", `Received disconnect from ${s.ip} port ${port}:11: disconnected by user`, pid);
  t.write(end + 5, s.host, "sshd", `Disconnected from user ${s.user} ${s.ip} port ${port}`, pid);
  t.write(end + 10, s.host, "sshd", `pam_unix(sshd:session): session closed for user ${s.user}`, pid);
  t.write(
    end + 30,
    s.host,
    "systemd-logind",
    `Session ${logindSession} logged out. Waiting for processes to exit.`,
    811,
  );
  t.write(end + 40, s.host, "systemd-logind", `Removed session ${logindSession}.`, 811);
}

/** A failed password as a Debian/Ubuntu sshd host writes it: PAM's line, then sshd's own. */
export function sshFailedPassword(
  t: Timeline,
  at: number,
  host: string,
  user: string,
  ip: string,
  known: boolean,
): void {
  const pid = t.pid();
  const port = t.dice.int(32768, 60999);
  if (!known) {
    t.write(at, host, "sshd", `Invalid user ${user} from ${ip} port ${port}`, pid);
    t.write(at + 200, host, "sshd", "pam_unix(sshd:auth): check pass; user unknown", pid);
    t.write(
      at + 210,
      host,
      "sshd",
      `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}`,
      pid,
    );
  } else {
    t.write(
      at + 210,
      host,
      "sshd",
      `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=${user}`,
      pid,
    );
  }
  t.write(
    at + 2000,
    host,
    "sshd",
    `Failed password for ${known ? "" : "invalid user "}${user} from ${ip} port ${port} ssh2`,
    pid,
  );
  t.write(
    at + 2600,
    host,
    "sshd",
    `Connection closed by ${known ? "authenticating user " : "invalid user "}${user} ${ip} port ${port} [preauth]`,
    pid,
  );
}

/** sudo's own COMMAND= line and the PAM session it opens and closes for the target user. */
export function sudoCommand(
  t: Timeline,
  at: number,
  host: string,
  user: string,
  uid: number,
  command: string,
  tty = "pts/0",
): void {
  const pid = t.pid();
  t.write(at, host, "sudo", `  ${user} : TTY=${tty} ; PWD=/home/${user} ; USER=root ; COMMAND=${command}`);
  t.write(
    at + 15,
    host,
    "sudo",
    `pam_unix(sudo:session): session opened for user root(uid=0) by ${user}(uid=${uid})`,
    pid,
  );
  t.write(
    at + t.dice.int(300, 20_000),
    host,
    "sudo",
    "pam_unix(sudo:session): session closed for user root",
    pid,
  );
}

/** A mistyped sudo password before the command goes through. */
export function sudoTypo(t: Timeline, at: number, host: string, user: string, uid: number): void {
  t.write(
    at,
    host,
    "sudo",
    `pam_unix(sudo:auth): authentication failure; logname=${user} uid=${uid} euid=0 tty=/dev/pts/0 ruser=${user} rhost=  user=${user}`,
  );
}

/** One CRON run: PAM session open, the command, PAM session close. */
export function cronRun(t: Timeline, at: number, host: string, user: string, command: string): void {
  const pid = t.pid();
  const uid = user === "root" ? 0 : 33;
  t.write(
    at,
    host,
    "CRON",
    `pam_unix(cron:session): session opened for user ${user}(uid=${uid}) by (uid=0)`,
    pid,
  );
  t.write(at + 20, host, "CRON", `(${user}) CMD (${command})`, pid);
  t.write(
    at + t.dice.int(200, 40_000),
    host,
    "CRON",
    `pam_unix(cron:session): session closed for user ${user}`,
    pid,
  );
}

export function passwordChanged(
  t: Timeline,
  at: number,
  host: string,
  user: string,
  by: "passwd" | "chpasswd",
): void {
  t.write(at, host, by, `pam_unix(${by}:chauthtok): password changed for ${user}`, t.pid());
}

/** hostapd's station events on an access point's radio. */
export function hostapd(
  t: Timeline,
  at: number,
  ap: string,
  station: string,
  event: "associated" | "disassociated" | "deauth-inactivity" | "deauth-local",
): void {
  const text =
    event === "associated"
      ? `IEEE 802.11: associated (aid ${t.dice.int(1, 60)})`
      : event === "disassociated"
        ? "IEEE 802.11: disassociated"
        : event === "deauth-inactivity"
          ? "IEEE 802.11: deauthenticated due to inactivity (timer DEAUTH/REMOVE)"
          : "IEEE 802.11: deauthenticated due to local deauth request";
  t.write(at, ap, "hostapd", `wlan0: STA ${station} ${text}`);
  if (event === "associated")
    t.write(at + 120, ap, "hostapd", `wlan0: STA ${station} WPA: pairwise key handshake completed (RSN)`);
}
