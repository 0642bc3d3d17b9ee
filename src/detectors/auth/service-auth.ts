/**
 * The authentication lines of the services other than sshd, sudo and su that an address can be tried
 * against: mail (dovecot's IMAP/POP3 login processes and its auth process, postfix SASL), FTP (vsftpd,
 * proftpd), web basic auth (nginx, Apache) and OpenVPN. One address failing a few times on each of them
 * is one brute force or spray, so each becomes the same login fact an sshd line does.
 */
export interface ServiceFact {
  outcome: "success" | "failure";
  user: string | null;
  sourceIp: string | null;
  /** The kind of service: `imap`, `pop3`, `smtp-sasl`, `ftp`, `http-basic`, `vpn`, `mail-auth`. */
  method: string;
  /** The program the attempt was made against, as findings name it (`dovecot`, `postfix`, `nginx`…). */
  service: string;
  /** Attempts the line stands for (dovecot's `auth failed, 3 attempts`). */
  count: number;
  /** The service said the account does not exist. */
  invalidUser: boolean;
  /**
   * A second report of an attempt another line of the same service (or its client) always reports too:
   * dovecot's auth process beside the login process or postfix, OpenVPN's `AUTH_FAILED` beside its
   * `TLS Auth Error`. Counting rules skip it; it still names the user and address of the line.
   */
  mirrored: boolean;
}

const ADDR = "[0-9a-fA-F.:]+";

/** dovecot login process: `imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<bob>, …`. */
const DOVECOT_FAILED =
  /^(?:(?<proto>[a-z0-9]+)-login: )?(?:Info: )?[^(]*\(auth failed, (?<n>\d+) attempts?[^)]*\)(?: \([a-z_]+\))?: (?<fields>.*)$/;
/** dovecot login process: `imap-login: Login: user=<bob>, method=PLAIN, rip=…, lip=…`. */
const DOVECOT_LOGIN = /^(?:(?<proto>[a-z0-9]+)-login: )?(?:Info: )?Login: (?<fields>.*)$/;
const DOVECOT_USER = /(?:^|, )user=<(?<user>[^>]*)>/;
const DOVECOT_RIP = new RegExp(`(?:^|, )rip=(?<ip>${ADDR})`);
/**
 * dovecot auth process (`auth_verbose`): `auth: passwd-file(bob,203.0.113.9): unknown user`,
 * `auth-worker(42): pam(bob,203.0.113.9,<sess>): pam_authenticate() failed: …`, `Password mismatch`.
 */
const DOVECOT_AUTH = new RegExp(
  String.raw`^(?:dovecot: )?auth(?:-worker)?(?:\([^)]*\))?: (?:Info: )?[a-z-]+\((?<user>[^,()]*),(?<ip>${ADDR})(?:,<[^>]*>)?\): (?<reason>unknown user|[Pp]assword mismatch|pam_authenticate\(\) failed: (?<pam>.*))`,
);
/** postfix: `warning: unknown[203.0.113.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6[, sasl_username=bob]`. */
const POSTFIX_SASL_FAILED = new RegExp(
  String.raw`^warning: [^\s\[]*\[(?<ip>${ADDR})\](?::\d+)?: SASL [\w-]+ authentication failed: (?<reason>.*?)(?:, sasl_username=(?<user>\S+))?$`,
);
/** postfix: `4F1A2B3C4D: client=unknown[203.0.113.9], sasl_method=PLAIN, sasl_username=bob`. */
const POSTFIX_SASL_OK = new RegExp(
  String.raw`^\w+: client=[^\s\[]*\[(?<ip>${ADDR})\](?::\d+)?, sasl_method=[\w-]+, sasl_username=(?<user>[^\s,]+)`,
);
/** vsftpd: `[bob] FAIL LOGIN: Client "203.0.113.9"` (its own log file puts `[pid 77] ` first). */
const VSFTPD = new RegExp(
  String.raw`^(?:\[pid \d+\] )?\[(?<user>[^\]]*)\] (?<outcome>OK|FAIL) LOGIN: Client "(?<ip>${ADDR})"`,
);
/**
 * proftpd: `ftp.example.com (host[203.0.113.9]) - USER bob (Login failed): Incorrect password`,
 * `USER bob: Login successful.`, `USER bob: no such user found from …`.
 */
const PROFTPD = new RegExp(
  String.raw`\([^\s\[]*\[(?<ip>${ADDR})\]\)(?: -|:) USER (?<user>[^\s:]+)(?<what>: Login successful| \(Login failed\)|: no such user found)`,
);
/** nginx: `*5 user "bob": password mismatch, client: 203.0.113.9, …` or `user "bob" was not found in "…"`. */
const NGINX = new RegExp(
  String.raw`\*\d+ user "(?<user>[^"]*)"(?<what>: password mismatch| was not found in "[^"]*"), client: (?<ip>${ADDR})`,
);
/**
 * Apache: `[client 203.0.113.9:52344] AH01617: user bob: authentication failure for "/": Password Mismatch`,
 * `AH01618: user bob not found: /` (2.2 writes neither the code nor the client's port).
 */
const APACHE =
  /\[client (?<addr>[^\s\]]+\]?[^\s\]]*)\] (?:AH0161[78]: )?user (?<user>\S*?)(?<what>: authentication failure for "[^"]*": Password Mismatch| not found: )/;
/** OpenVPN's peer prefix: `203.0.113.9:50123 ` or, once the certificate is known, `cn/203.0.113.9:50123 `. */
const OPENVPN_PEER = String.raw`^(?:(?<cn>[^\s/]+)/)?(?:\[AF_INET6?\])?(?<ip>${ADDR}?):\d+ `;
const OPENVPN_FAILED = new RegExp(
  `${OPENVPN_PEER}TLS Auth Error: Auth Username/Password verification failed for peer`,
);
const OPENVPN_OK = new RegExp(
  `${OPENVPN_PEER}TLS: Username/Password authentication succeeded for username '(?<user>[^']*)'`,
);
const OPENVPN_SENT_FAILED = new RegExp(`${OPENVPN_PEER}SENT CONTROL \\[(?<user>[^\\]]*)\\]: 'AUTH_FAILED`);
/** OpenVPN's PAM plugin: `AUTH-PAM: BACKGROUND: user 'bob' failed to authenticate: Authentication failure`. */
const OPENVPN_PAM = /^AUTH-PAM: BACKGROUND: user '(?<user>[^']*)' failed to authenticate/;

/**
 * The words one of the forms below needs (a regex alternation): `mayStateAuth` looks for them and the
 * sshd, sudo and su words in one pass over each line, so a line that states no login (an application's,
 * a kernel's) costs a single scan.
 */
export const SERVICE_AUTH_WORDS =
  "auth failed, |Login: |SASL |sasl_method=| LOGIN: Client |USER |assword [mM]ismatch|was not found in | not found: |unknown user|pam_authenticate|TLS Auth Error|authentication succeeded|AUTH_FAILED|failed to authenticate";

/** An address as sshd would write it: `::ffff:203.0.113.9` (an IPv6 socket's IPv4 peer) is `203.0.113.9`. */
function plainIp(ip: string | undefined): string | null {
  if (!ip) return null;
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}

function fact(
  outcome: ServiceFact["outcome"],
  user: string | null,
  sourceIp: string | null,
  method: string,
  service: string,
): ServiceFact {
  return { outcome, user, sourceIp, method, service, count: 1, invalidUser: false, mirrored: false };
}

/** The login fact a service's line states, or null. `program` is the syslog tag without its pid. */
export function fromServiceText(text: string, program: string): ServiceFact | null {
  return (
    fromDovecot(text, program) ??
    fromPostfix(text) ??
    fromFtp(text) ??
    fromWebServer(text, program) ??
    fromOpenVpn(text)
  );
}

function fromDovecot(text: string, program: string): ServiceFact | null {
  const login = program.endsWith("-login") ? program.slice(0, -6) : "imap";
  let m = text.includes("auth failed, ") ? DOVECOT_FAILED.exec(text) : null;
  if (m?.groups) {
    const fields = m.groups.fields!;
    const user = nonEmpty(DOVECOT_USER.exec(fields)?.groups?.user);
    const ip = plainIp(DOVECOT_RIP.exec(fields)?.groups?.ip);
    const f = fact("failure", user, ip, m.groups.proto ?? login, "dovecot");
    f.count = Math.max(1, Number(m.groups.n));
    return f;
  }
  m = text.includes("Login: ") ? DOVECOT_LOGIN.exec(text) : null;
  if (m?.groups) {
    const fields = m.groups.fields!;
    const user = nonEmpty(DOVECOT_USER.exec(fields)?.groups?.user);
    const ip = plainIp(DOVECOT_RIP.exec(fields)?.groups?.ip);
    if (user === null) return null;
    return fact("success", user, ip, m.groups.proto ?? login, "dovecot");
  }
  m = text.includes("auth") ? DOVECOT_AUTH.exec(text) : null;
  if (m?.groups) {
    const f = fact("failure", nonEmpty(m.groups.user), plainIp(m.groups.ip), "mail-auth", "dovecot");
    const reason = m.groups.reason!;
    f.invalidUser = reason === "unknown user" || (m.groups.pam ?? "").startsWith("User not known");
    // The login process (IMAP, POP3) or the SASL client (postfix) logs the same attempt.
    f.mirrored = true;
    return f;
  }
  return null;
}

function fromPostfix(text: string): ServiceFact | null {
  let m = text.includes("SASL ") ? POSTFIX_SASL_FAILED.exec(text) : null;
  if (m?.groups) {
    // The server could not ask its SASL backend: no password was judged, the client did nothing wrong.
    if (m.groups.reason!.startsWith("Connection lost to authentication server")) return null;
    return fact("failure", nonEmpty(m.groups.user), plainIp(m.groups.ip), "smtp-sasl", "postfix");
  }
  m = text.includes("sasl_method=") ? POSTFIX_SASL_OK.exec(text) : null;
  if (m?.groups) return fact("success", m.groups.user!, plainIp(m.groups.ip), "smtp-sasl", "postfix");
  return null;
}

function fromFtp(text: string): ServiceFact | null {
  let m = text.includes(" LOGIN: Client ") ? VSFTPD.exec(text) : null;
  if (m?.groups) {
    const outcome = m.groups.outcome === "OK" ? "success" : "failure";
    return fact(outcome, nonEmpty(m.groups.user), plainIp(m.groups.ip), "ftp", "vsftpd");
  }
  m = text.includes("USER ") ? PROFTPD.exec(text) : null;
  if (m?.groups) {
    const what = m.groups.what!;
    const outcome = what === ": Login successful" ? "success" : "failure";
    const f = fact(outcome, m.groups.user!, plainIp(m.groups.ip), "ftp", "proftpd");
    f.invalidUser = what === ": no such user found";
    return f;
  }
  return null;
}

/** The address of Apache's `[client …]`: `203.0.113.9:52344`, `[2001:db8::9]:52344`, or 2.2's bare address. */
function apacheClient(addr: string): string | null {
  if (addr.startsWith("[")) return plainIp(addr.slice(1, addr.indexOf("]")));
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(addr);
  return plainIp(v4 ? v4[1] : addr);
}

function fromWebServer(text: string, program: string): ServiceFact | null {
  let m = text.includes(", client: ") ? NGINX.exec(text) : null;
  if (m?.groups) {
    const f = fact("failure", nonEmpty(m.groups.user), plainIp(m.groups.ip), "http-basic", "nginx");
    f.invalidUser = m.groups.what !== ": password mismatch";
    return f;
  }
  m = text.includes("[client ") ? APACHE.exec(text) : null;
  if (m?.groups) {
    // `httpd`, `apache2`, or no program (its own error log): one name, so the services of a finding compare.
    const service =
      program.startsWith("httpd") || program.startsWith("apache") || program === "" ? "apache" : program;
    const f = fact("failure", nonEmpty(m.groups.user), apacheClient(m.groups.addr!), "http-basic", service);
    f.invalidUser = m.groups.what === " not found: ";
    return f;
  }
  return null;
}

function fromOpenVpn(text: string): ServiceFact | null {
  const cn = (m: RegExpExecArray) => (m.groups?.cn && m.groups.cn !== "UNDEF" ? m.groups.cn : null);
  let m = text.includes("TLS Auth Error") ? OPENVPN_FAILED.exec(text) : null;
  // The user name is not in this line; the certificate's common name is, once known (often the user).
  if (m?.groups) return fact("failure", cn(m), plainIp(m.groups.ip), "vpn", "openvpn");
  m = text.includes("authentication succeeded") ? OPENVPN_OK.exec(text) : null;
  if (m?.groups) return fact("success", nonEmpty(m.groups.user), plainIp(m.groups.ip), "vpn", "openvpn");
  m = text.includes("AUTH_FAILED") ? OPENVPN_SENT_FAILED.exec(text) : null;
  if (m?.groups) {
    const user = m.groups.user === "UNDEF" ? cn(m) : nonEmpty(m.groups.user);
    const f = fact("failure", user, plainIp(m.groups.ip), "vpn", "openvpn");
    // What the server tells the client after the `TLS Auth Error` line it already wrote.
    f.mirrored = true;
    return f;
  }
  m = text.includes("failed to authenticate") ? OPENVPN_PAM.exec(text) : null;
  if (m?.groups) {
    const f = fact("failure", nonEmpty(m.groups.user), null, "vpn", "openvpn");
    f.mirrored = true; // the plugin's view of the attempt the `TLS Auth Error` line counts
    return f;
  }
  return null;
}
