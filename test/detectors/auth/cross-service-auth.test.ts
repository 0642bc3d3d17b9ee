import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load.js";
import type { Anomaly } from "../../../src/core/anomaly.js";
import type { Detector } from "../../../src/core/detector.js";
import { type AuthEvent, authEventOf, isPolledLogin } from "../../../src/detectors/auth/auth-event.js";
import { BruteForceDetector } from "../../../src/detectors/auth/brute-force.js";
import { PasswordSprayingDetector } from "../../../src/detectors/auth/password-spraying.js";
import { UnusualLoginHourDetector } from "../../../src/detectors/auth/unusual-login-hour.js";
import { decodeLine } from "../../../src/parsers/decoders/index.js";
import { createProcessor } from "../../../src/pipeline/create-processor.js";

const observedAt = "2026-03-01T12:00:00.000Z";
const ATTACKER = "203.0.113.9";

type Expected = Partial<Omit<AuthEvent, "at">> | null;

/** Each service's login lines as the service writes them (through syslog unless said), and the fact read. */
const FORMATS: [string, Expected][] = [
  // dovecot's login processes: the failure (with the attempts of the connection), the success.
  [
    `Mar  1 03:14:07 mail1 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=${ATTACKER}, lip=10.0.0.5, TLS, session=<k3Jd>`,
    { outcome: "failure", user: "bob", sourceIp: ATTACKER, method: "imap", service: "dovecot", count: 1 },
  ],
  [
    `Mar  1 03:14:07 mail1 dovecot[442]: imap-login: Login aborted: Connection closed (auth failed, 3 attempts in 12 secs) (auth_failed): user=<carol@example.com>, method=PLAIN, rip=::ffff:${ATTACKER}, lip=10.0.0.5, TLS, session=<x9>`,
    { outcome: "failure", user: "carol@example.com", sourceIp: ATTACKER, method: "imap", count: 3 },
  ],
  [
    `Mar  1 03:14:07 mail1 dovecot: pop3-login: Aborted login (auth failed, 1 attempts in 17 secs): user=<test>, method=PLAIN, rip=${ATTACKER}, lip=10.0.0.5, session=<YADI>`,
    { outcome: "failure", user: "test", sourceIp: ATTACKER, method: "pop3", service: "dovecot" },
  ],
  [
    `Mar  1 03:14:07 mail1 dovecot: imap-login: Login: user=<bob>, method=PLAIN, rip=${ATTACKER}, lip=10.0.0.5, mpid=1234, TLS, session=<abc>`,
    { outcome: "success", user: "bob", sourceIp: ATTACKER, method: "imap", service: "dovecot" },
  ],
  [
    `Mar  1 03:14:07 mail1 dovecot: pop3-login: Login: user=<bob>, method=PLAIN, rip=${ATTACKER}, lip=10.0.0.5, mpid=1235, session=<abd>`,
    { outcome: "success", user: "bob", sourceIp: ATTACKER, method: "pop3" },
  ],
  // dovecot's auth process (auth_verbose): the same attempts again, so not counted.
  [
    `Mar  1 03:14:07 mail1 dovecot: auth: passwd-file(bob,${ATTACKER}): unknown user`,
    { outcome: "failure", user: "bob", sourceIp: ATTACKER, invalidUser: true, mirrored: true },
  ],
  [
    `Mar  1 03:14:07 mail1 dovecot: auth-worker(1234): pam(bob,${ATTACKER},<sEs>): pam_authenticate() failed: Authentication failure (password mismatch?)`,
    { outcome: "failure", user: "bob", sourceIp: ATTACKER, invalidUser: false, mirrored: true },
  ],
  // PAM's line for dovecot: a report of the login process's attempt, counted only where that is not logged.
  [
    `Mar  1 03:14:07 mail1 auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=bob rhost=${ATTACKER}  user=bob`,
    {
      outcome: "failure",
      user: "bob",
      sourceIp: ATTACKER,
      method: "pam",
      service: "dovecot",
      pamReport: true,
    },
  ],
  // postfix SASL: without and with the user name, and a success.
  [
    `Mar  1 03:14:07 mail1 postfix/smtpd[4321]: warning: unknown[${ATTACKER}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`,
    { outcome: "failure", user: null, sourceIp: ATTACKER, method: "smtp-sasl", service: "postfix" },
  ],
  [
    `Mar  1 03:14:07 mail1 postfix/submission/smtpd[4321]: warning: unknown[${ATTACKER}]: SASL PLAIN authentication failed: authentication failure, sasl_username=bob`,
    { outcome: "failure", user: "bob", sourceIp: ATTACKER, method: "smtp-sasl", service: "postfix" },
  ],
  [
    `Mar  1 03:14:07 mail1 postfix/smtpd[4321]: 4F1A2B3C4D: client=unknown[${ATTACKER}], sasl_method=PLAIN, sasl_username=bob`,
    { outcome: "success", user: "bob", sourceIp: ATTACKER, method: "smtp-sasl", service: "postfix" },
  ],
  // vsftpd: through syslog and in its own log file.
  [
    `Mar  1 03:14:07 ftp1 vsftpd[77]: [bob] FAIL LOGIN: Client "${ATTACKER}"`,
    { outcome: "failure", user: "bob", sourceIp: ATTACKER, method: "ftp", service: "vsftpd" },
  ],
  [
    `Mar  1 03:14:07 ftp1 vsftpd[77]: [bob] OK LOGIN: Client "::ffff:${ATTACKER}"`,
    { outcome: "success", user: "bob", sourceIp: ATTACKER, method: "ftp", service: "vsftpd" },
  ],
  [
    `Sun Mar  1 03:14:07 2026 [pid 77] [alice] FAIL LOGIN: Client "${ATTACKER}"`,
    { outcome: "failure", user: "alice", sourceIp: ATTACKER, method: "ftp", service: "vsftpd" },
  ],
  // proftpd.
  [
    `Mar  1 03:14:07 ftp2 proftpd[1234]: ftp2.example.com (${ATTACKER}[${ATTACKER}]) - USER bob (Login failed): Incorrect password`,
    { outcome: "failure", user: "bob", sourceIp: ATTACKER, method: "ftp", service: "proftpd" },
  ],
  [
    `Mar  1 03:14:07 ftp2 proftpd[1234]: ftp2.example.com (${ATTACKER}[${ATTACKER}]) - USER bob: Login successful.`,
    { outcome: "success", user: "bob", sourceIp: ATTACKER, method: "ftp", service: "proftpd" },
  ],
  [
    `Mar  1 03:14:07 ftp2 proftpd[1234]: ftp2.example.com (scan.example.net[${ATTACKER}]) - USER admin: no such user found from scan.example.net [${ATTACKER}] to 10.0.0.7:21`,
    { outcome: "failure", user: "admin", sourceIp: ATTACKER, invalidUser: true, service: "proftpd" },
  ],
  // nginx basic auth: through syslog, and a line of its error log.
  [
    `Mar  1 03:14:07 web1 nginx: 2026/03/01 03:14:07 [error] 123#123: *5 user "bob": password mismatch, client: ${ATTACKER}, server: example.com, request: "GET / HTTP/1.1", host: "example.com"`,
    { outcome: "failure", user: "bob", sourceIp: ATTACKER, method: "http-basic", service: "nginx" },
  ],
  [
    `2026/03/01 03:14:07 [error] 2865#0: *66647 user "xyz" was not found in "/etc/nginx/.htpasswd", client: ${ATTACKER}, server: www.example.com, request: "GET / HTTP/1.1", host: "www.example.com"`,
    { outcome: "failure", user: "xyz", sourceIp: ATTACKER, invalidUser: true, service: "nginx" },
  ],
  // Apache basic auth: its error log, and through syslog.
  [
    `[Sun Mar 01 03:14:07.123456 2026] [auth_basic:error] [pid 1] [client ${ATTACKER}:52344] AH01617: user bob: authentication failure for "/": Password Mismatch`,
    { outcome: "failure", user: "bob", sourceIp: ATTACKER, method: "http-basic", service: "apache" },
  ],
  [
    `Mar  1 03:14:07 web2 httpd[22034]: [auth_basic:error] [pid 22034] [client ${ATTACKER}:51395] AH01618: user eve not found: /admin`,
    { outcome: "failure", user: "eve", sourceIp: ATTACKER, invalidUser: true, service: "apache" },
  ],
  [
    '[Sun Mar 01 03:14:07.123456 2026] [auth_basic:error] [pid 1] [client [2001:db8::9]:52344] AH01617: user bob: authentication failure for "/": Password Mismatch',
    { outcome: "failure", user: "bob", sourceIp: "2001:db8::9", service: "apache" },
  ],
  // OpenVPN: the failure (the certificate's name once known), the success, and the same failure again.
  [
    `Mar  1 03:14:07 vpn1 ovpn-server[900]: ${ATTACKER}:50123 TLS Auth Error: Auth Username/Password verification failed for peer`,
    {
      outcome: "failure",
      user: null,
      sourceIp: ATTACKER,
      method: "vpn",
      service: "openvpn",
      mirrored: false,
    },
  ],
  [
    `Mar  1 03:14:07 vpn1 openvpn[900]: laptop7/${ATTACKER}:50123 TLS Auth Error: Auth Username/Password verification failed for peer`,
    { outcome: "failure", user: "laptop7", sourceIp: ATTACKER, method: "vpn" },
  ],
  [
    `Mar  1 03:14:07 vpn1 openvpn[900]: ${ATTACKER}:50123 TLS: Username/Password authentication succeeded for username 'bob' `,
    { outcome: "success", user: "bob", sourceIp: ATTACKER, method: "vpn", service: "openvpn" },
  ],
  [
    `Mar  1 03:14:07 vpn1 openvpn[900]: ${ATTACKER}:50123 SENT CONTROL [bob]: 'AUTH_FAILED' (status=1)`,
    { outcome: "failure", user: "bob", sourceIp: ATTACKER, mirrored: true },
  ],
  [
    "Mar  1 03:14:07 vpn1 openvpn[900]: AUTH-PAM: BACKGROUND: user 'bob' failed to authenticate: Authentication failure",
    { outcome: "failure", user: "bob", sourceIp: null, mirrored: true },
  ],
  // Not a judged password: no attempt made, the backend unreachable, an application's own sentence.
  [
    `Mar  1 03:14:07 mail1 dovecot: imap-login: Disconnected (no auth attempts in 0 secs): user=<>, rip=${ATTACKER}, lip=10.0.0.5, TLS handshaking: Disconnected`,
    null,
  ],
  [
    `Mar  1 03:14:07 mail1 postfix/smtpd[21022]: warning: unknown[${ATTACKER}]: SASL LOGIN authentication failed: Connection lost to authentication server`,
    null,
  ],
  ["Mar  1 03:14:07 app1 java[5]: User login failed for bob: Login: user not found in directory", null],
];

describe("authEventOf: mail, FTP, web and VPN servers' login lines", () => {
  it.each(FORMATS)("%s", (line, expected) => {
    const event = authEventOf(decodeLine(line, { observedAt }));
    if (expected === null) expect(event).toBeNull();
    else expect(event).toMatchObject({ kind: "login", ...expected });
  });

  it("leaves mail clients' logins out of the habits of hours and networks, not VPN, FTP or sshd logins", () => {
    const of = (line: string) => authEventOf(decodeLine(line, { observedAt }))!;
    expect(isPolledLogin(of(FORMATS[3]![0]))).toBe(true); // IMAP
    expect(isPolledLogin(of(FORMATS[10]![0]))).toBe(true); // SMTP AUTH
    expect(isPolledLogin(of(FORMATS[12]![0]))).toBe(false); // FTP
    expect(isPolledLogin(of(FORMATS[24]![0]))).toBe(false); // VPN
    const hours = new UnusualLoginHourDetector({
      minLogins: 5,
      minQuietHours: 6,
      cooldownSecs: 3600,
      historyLogins: 200,
      maxKeys: 100,
    });
    hours.observe(mine(Array.from({ length: 20 }, (_, i) => imapLogin(i * 600))));
    expect(hours.status().detail).toContain("(0 user(s) seen)");
  });
});

/** `Mar  1 03:MM:SS` for `secs` after 03:00:00. */
function stamp(secs: number): string {
  const m = Math.floor(secs / 60);
  const hh = String(3 + Math.floor(m / 60)).padStart(2, "0");
  return `Mar  1 ${hh}:${String(m % 60).padStart(2, "0")}:${String(secs % 60).padStart(2, "0")}`;
}

function imapLogin(secs: number): string {
  return `${stamp(secs)} mail1 dovecot: imap-login: Login: user=<night>, method=PLAIN, rip=198.51.100.7, lip=10.0.0.5, mpid=9, TLS`;
}

/** One failed login of `user` from `ip` on each service, as that service's host logs it (more than one line for some). */
const FAILURE: Record<string, (secs: number, user: string, ip: string) => string[]> = {
  sshd: (s, user, ip) => [
    `${stamp(s)} bastion sshd[${2000 + s}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=${user}`,
    `${stamp(s)} bastion sshd[${2000 + s}]: Failed password for ${user} from ${ip} port ${40000 + s} ssh2`,
  ],
  // PAM's line, the auth process's (auth_verbose) and the login process's: one attempt.
  dovecot: (s, user, ip) => [
    `${stamp(s)} mail1 auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=${user} rhost=${ip}  user=${user}`,
    `${stamp(s)} mail1 dovecot: auth-worker(77): pam(${user},${ip}): pam_authenticate() failed: Authentication failure (password mismatch?)`,
    `${stamp(s + 2)} mail1 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<${user}>, method=PLAIN, rip=${ip}, lip=10.0.0.5, TLS, session=<s${s}>`,
  ],
  // postfix asks dovecot: dovecot's auth process reports it too.
  postfix: (s, user, ip) => [
    `${stamp(s)} mail1 dovecot: auth: passwd-file(${user},${ip}): unknown user`,
    `${stamp(s)} mail1 postfix/submission/smtpd[4321]: warning: unknown[${ip}]: SASL PLAIN authentication failed: authentication failure, sasl_username=${user}`,
  ],
  vsftpd: (s, user, ip) => [
    `${stamp(s)} ftp1 vsftpd[${300 + s}]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=${user} rhost=${ip}  user=${user}`,
    `${stamp(s)} ftp1 vsftpd[${300 + s}]: [${user}] FAIL LOGIN: Client "${ip}"`,
  ],
  nginx: (s, user, ip) => [
    `${stamp(s)} web1 nginx: 2026/03/01 ${stamp(s).slice(7)} [error] 812#812: *${s} user "${user}": password mismatch, client: ${ip}, server: intranet.example.com, request: "GET /admin/ HTTP/1.1", host: "intranet.example.com"`,
  ],
};
const SERVICES = Object.keys(FAILURE);

/** Decoded and mined records of the lines, ids from 1. */
function mine(lines: readonly string[]) {
  return createProcessor(loadConfig({ env: {} })).mine(
    lines.map((l) => decodeLine(l, { observedAt })),
    1,
  );
}

/** The lines through the whole pipeline as live ingest runs it (decoder, miner, every detector). */
function detect(lines: readonly string[]): Anomaly[] {
  const processor = createProcessor(loadConfig({ env: {} }));
  const out: Anomaly[] = [];
  for (let i = 0; i < lines.length; i += 100) {
    const records = lines.slice(i, i + 100).map((l) => decodeLine(l, { observedAt }));
    out.push(...processor.detect(processor.mine(records, i + 1)));
  }
  return out;
}

const attacks = (found: readonly Anomaly[]) =>
  found.filter((a) => a.type === "brute_force" || a.type === "password_spraying");

/**
 * `attempts` failures from ATTACKER, one every `everySecs`, the services in turn, each against the
 * next of `users`: every service sees `attempts / 5` of them.
 */
function spread(attempts: number, everySecs: number, users: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = Object.fromEntries(SERVICES.map((s) => [s, []]));
  for (let k = 0; k < attempts; k++) {
    const service = SERVICES[k % SERVICES.length]!;
    out[service]!.push(...FAILURE[service]!(k * everySecs, users[k % users.length]!, ATTACKER));
  }
  return out;
}

function interleaved(byService: Record<string, string[]>, attempts: number): string[] {
  // The services' lines in time order: each attempt's lines stay together.
  const perAttempt = SERVICES.map((s) => byService[s]!.length / Math.ceil(attempts / SERVICES.length));
  const lines: string[] = [];
  for (let k = 0; k < attempts; k++) {
    const i = k % SERVICES.length;
    const round = Math.floor(k / SERVICES.length);
    lines.push(...byService[SERVICES[i]!]!.slice(round * perAttempt[i]!, (round + 1) * perAttempt[i]!));
  }
  return lines;
}

describe("attacks across services (issue 46): one address over sshd, dovecot, postfix, vsftpd and nginx", () => {
  it("a spray of two guesses on each of five services is one password_spraying finding naming all five", () => {
    // Ten users, one failure every 70 s: no 300 s window holds ten failures (no brute force), no service
    // sees more than two users, but the address tried ten accounts within the hour.
    const users = Array.from({ length: 10 }, (_, i) => `user${i}`);
    const byService = spread(10, 70, users);
    for (const service of SERVICES) expect(attacks(detect(byService[service]!))).toEqual([]);

    const found = attacks(detect(interleaved(byService, 10)));
    expect(found).toHaveLength(1);
    const spray = found[0]!;
    expect(spray).toMatchObject({ type: "password_spraying", key: `ip:${ATTACKER}` });
    expect(spray.features).toMatchObject({
      source_ip: ATTACKER,
      distinct_users: 10,
      // Each attempt once, though dovecot, vsftpd and sshd wrote two or three lines for it.
      failures: 10,
      services: ["sshd", "dovecot", "postfix", "vsftpd", "nginx"],
    });
    expect(spray.explanation.summary).toContain("over 5 services (sshd, dovecot, postfix, vsftpd, nginx)");
    expect(spray.explanation.observed).toMatchObject({ services: 5 });
  });

  it("a brute force of two guesses on each of five services is one brute_force finding naming all five", () => {
    // Three accounts, ten failures within 300 s: the address crosses the threshold, no account or service does.
    const byService = spread(10, 20, ["root", "admin", "bob"]);
    for (const service of SERVICES) expect(attacks(detect(byService[service]!))).toEqual([]);

    const found = attacks(detect(interleaved(byService, 10)));
    expect(found.map((a) => `${a.type} ${a.key}`)).toEqual([`brute_force ip:${ATTACKER}`]);
    expect(found[0]!.features).toMatchObject({
      failures: 10,
      distinct_users: 3,
      services: ["sshd", "dovecot", "postfix", "vsftpd", "nginx"],
    });
    expect(found[0]!.explanation.summary).toMatch(
      new RegExp(
        `^10 failed logins from ${ATTACKER.replaceAll(".", "\\.")} in 180 s against 3 user\\(s\\) over 5 services \\(sshd, dovecot, postfix, vsftpd, nginx\\)$`,
      ),
    );
  });

  it("counts a service's PAM line where the service writes no line of its own", () => {
    // A host whose vsftpd logs only through PAM: each PAM line is the attempt.
    const lines = Array.from({ length: 10 }, (_, k) => FAILURE.vsftpd!(k * 5, "bob", ATTACKER)[0]!);
    const found = attacks(detect(lines));
    expect(found.map((a) => a.key).sort()).toEqual([`ip:${ATTACKER}`, "user:bob"]);
    expect(found[0]!.features).toMatchObject({ failures: 10, services: ["vsftpd"] });
    // One service: the summary reads as before services were named.
    expect(found[0]!.explanation.summary).not.toContain("services");
  });
});

describe("state with services", () => {
  const roundTrip = <T extends Detector>(d: T, make: () => T, strip = false): T => {
    const state = JSON.parse(JSON.stringify(d.exportState()));
    if (strip)
      for (const k of [...(state.keys ?? []), ...(state.sources ?? [])])
        delete (k as { services?: unknown }).services;
    const copy = make();
    copy.importState(state);
    return copy;
  };
  const users = Array.from({ length: 10 }, (_, i) => `user${i}`);
  const lines = interleaved(spread(10, 70, users), 10);

  it("keeps the services across an export and import, and imports state exported before them", () => {
    const makeSpray = () => new PasswordSprayingDetector({ windowSecs: 3600, minUsers: 10, maxKeys: 100 });
    const makeBrute = () => new BruteForceDetector({ windowSecs: 3600, threshold: 10, maxKeys: 100 });
    for (const [make, type] of [
      [makeSpray, "password_spraying"],
      [makeBrute, "brute_force"],
    ] as const) {
      const records = mine(lines);
      const cut = records.findIndex((r) => r.body.includes("user9"));
      const whole = make()
        .observe(records)
        .filter((a) => a.key === `ip:${ATTACKER}`);
      expect(whole.map((a) => a.type)).toEqual([type]);

      const first = make();
      expect(first.observe(records.slice(0, cut))).toEqual([]);
      const resumed = roundTrip<Detector>(first, make).observe(records.slice(cut));
      expect(resumed.find((a) => a.key === `ip:${ATTACKER}`)!.features.services).toEqual(
        whole[0]!.features.services,
      );
      // Old state: the services seen before the export are not known, the window's failures still count.
      const old = roundTrip<Detector>(first, make, true).observe(records.slice(cut));
      const finding = old.find((a) => a.key === `ip:${ATTACKER}`)!;
      expect(finding.features.services).toEqual(["nginx"]);
      expect(finding.features.failures).toBe(whole[0]!.features.failures);
    }
  });
});
