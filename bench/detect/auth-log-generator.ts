/**
 * A seeded, synthetic week of authentication logs for a few hundred users: sshd syslog lines from two
 * bastions and system 002 JSON records from an auth service, with diurnal and weekly habits, DHCP
 * roaming, typos, VPN, the odd business trip and low-rate internet scanners. Attacks are injected and
 * their ground truth returned separately; the detectors only ever see the lines.
 */
import { mulberry32 as rng } from "../lib/random.js";

export type AttackKind = "brute_force" | "password_spraying" | "compromise" | "new_ip";

export interface Incident {
  kind: AttackKind;
  /** `user:<name>` or `ip:<address>`: what a rule that catches it keys on. */
  keys: string[];
  start: number;
  end: number;
}

export interface GeneratedLog {
  lines: string[];
  incidents: Incident[];
  users: number;
  days: number;
  /** Legitimate logins from a network the user had not used before (trips): honest false-positive bait. */
  trips: number;
}

interface User {
  name: string;
  office: string;
  home: string;
  /** Start of the working day, UTC hour. */
  shiftStart: number;
  shiftHours: number;
  vpn: boolean;
  json: boolean;
  admin: boolean;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function syslogTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export function generateAuthLog(
  options: { seed?: number; users?: number; days?: number; start?: string } = {},
): GeneratedLog {
  const rand = rng(options.seed ?? 20260302);
  const nUsers = options.users ?? 300;
  const days = options.days ?? 7;
  // A Monday, and a year the syslog decoder will infer correctly (the current one).
  const start = Date.parse(options.start ?? `${new Date().getUTCFullYear()}-01-05T00:00:00Z`);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const octet = () => int(2, 250);
  const publicNet = () => `${pick([24, 50, 67, 73, 76, 82, 86, 92, 98, 174])}.${octet()}.${octet()}`;

  const users: User[] = Array.from({ length: nUsers }, (_, i) => {
    const r = rand();
    return {
      name: `${pick(["a", "b", "c", "d", "e", "j", "k", "m", "p", "s", "t"])}${pick(["lee", "khan", "novak", "silva", "meyer", "ito", "olsen", "rossi"])}${i}`,
      office: `10.20.${int(1, 12)}`,
      home: publicNet(),
      // Most people work days; some nights; a few any time.
      shiftStart: r < 0.85 ? int(6, 10) : r < 0.95 ? int(19, 22) : 0,
      shiftHours: r < 0.95 ? int(8, 10) : 24,
      vpn: rand() < 0.4,
      json: rand() < 0.3,
      admin: i < 20,
    };
  });

  const events: { at: number; line: string }[] = [];
  const sshd = (at: number, host: string, text: string) =>
    events.push({ at, line: `${syslogTime(at)} ${host} sshd[${int(1000, 65000)}]: ${text}` });
  const auth002 = (at: number, user: string, ip: string, action: "success" | "failed") =>
    events.push({
      at,
      line: JSON.stringify({
        timestamp: new Date(at).toISOString(),
        service: "auth-api",
        user,
        source_ip: ip,
        event_type: "login",
        action,
        message: action === "failed" ? `Failed password for ${user}` : `Accepted password for ${user}`,
      }),
    });
  const login = (
    at: number,
    u: User | string,
    ip: string,
    ok: boolean,
    viaJson: boolean,
    invalid = false,
  ) => {
    const name = typeof u === "string" ? u : u.name;
    if (viaJson) return auth002(at, name, ip, ok ? "success" : "failed");
    const host = pick(["bastion-1", "bastion-2"]);
    const port = int(32768, 60999);
    if (ok)
      sshd(at, host, `Accepted ${pick(["password", "publickey"])} for ${name} from ${ip} port ${port} ssh2`);
    else
      sshd(
        at,
        host,
        `Failed password for ${invalid ? "invalid user " : ""}${name} from ${ip} port ${port} ssh2`,
      );
  };

  // Ordinary life.
  let trips = 0;
  const homeHost = new Map<string, number>();
  for (const u of users) {
    const onTrip = rand() < 0.03 ? int(2, days - 1) : -1;
    const tripNet = publicNet();
    for (let day = 0; day < days; day++) {
      const weekday = day % 7 < 5;
      const sessions = weekday ? int(2, 6) : rand() < 0.2 ? 1 : 0;
      for (let s = 0; s < sessions; s++) {
        const hourOffset = u.shiftHours === 24 ? rand() * 24 : rand() * u.shiftHours;
        const at =
          start + day * 86_400_000 + ((u.shiftStart + hourOffset) % 24) * 3_600_000 + int(0, 59) * 1000;
        let net: string;
        if (day === onTrip) net = tripNet;
        else if (weekday && rand() < 0.7) net = u.office;
        else net = u.vpn && rand() < 0.5 ? "10.99.0" : u.home;
        // DHCP leases move the last octet around within the network.
        const last = net === u.home ? (homeHost.get(u.name) ?? int(2, 250)) : int(2, 250);
        if (net === u.home && rand() < 0.2) homeHost.set(u.name, int(2, 250));
        const ip = `${net}.${last}`;
        if (rand() < 0.05)
          for (let t = 0, n = int(1, 2); t < n; t++) login(at - (n - t) * 9000, u, ip, false, u.json);
        login(at, u, ip, true, u.json);
        if (day === onTrip && net === tripNet && s === 0) trips++;
        if (u.admin && rand() < 0.5) {
          const host = pick(["web-1", "web-2", "db-1"]);
          events.push({
            at: at + 60_000,
            line: `${syslogTime(at + 60_000)} ${host} sudo:   ${u.name} : TTY=pts/${int(0, 5)} ; PWD=/home/${u.name} ; USER=root ; COMMAND=${pick(["/usr/bin/systemctl restart nginx", "/usr/bin/journalctl -u app", "/usr/bin/apt-get update"])}`,
          });
        }
      }
    }
  }

  // Internet background noise: many scanners, each trying a handful of common names once or twice.
  for (let i = 0; i < days * 120; i++) {
    const ip = `${publicNet()}.${octet()}`;
    const at = start + rand() * days * 86_400_000;
    for (let k = 0, n = int(1, 4); k < n; k++) {
      login(
        at + k * int(2, 30) * 1000,
        pick(["root", "admin", "test", "oracle", "ubuntu", "pi"]),
        ip,
        false,
        false,
        rand() < 0.6,
      );
    }
  }

  // Attacks, after a two-day warm-up so habits are known.
  const incidents: Incident[] = [];
  const attackTime = () => start + (2 + rand() * (days - 2.2)) * 86_400_000;
  for (let i = 0; i < 12; i++) {
    const ip = `${publicNet()}.${octet()}`;
    const target = i < 6 ? pick(users) : null;
    const name = target ? target.name : pick(["root", "admin", "postgres"]);
    const at = attackTime();
    const attempts = int(20, 200);
    const spacing = int(2, 6) * 1000;
    for (let k = 0; k < attempts; k++)
      login(at + k * spacing, name, ip, false, target?.json ?? false, !target && rand() < 0.3);
    const end = at + attempts * spacing;
    incidents.push({ kind: "brute_force", keys: [`user:${name}`, `ip:${ip}`], start: at, end });
    if (target && i < 3) {
      // The guess worked.
      login(end + 5000, target, ip, true, target.json);
      incidents.push({ kind: "compromise", keys: [`user:${name}`], start: end, end: end + 5000 });
    }
  }
  for (let i = 0; i < 6; i++) {
    const ip = `${publicNet()}.${octet()}`;
    const at = attackTime();
    const victims = int(30, 80);
    const spread = int(20, 50) * 60_000;
    const names = new Set<string>();
    for (let k = 0; k < victims; k++) {
      const u = pick(users);
      names.add(u.name);
      for (let a = 0, n = int(1, 2); a < n; a++)
        login(at + (k / victims) * spread + a * 4000, u, ip, false, u.json);
    }
    incidents.push({ kind: "password_spraying", keys: [`ip:${ip}`], start: at, end: at + spread + 10_000 });
  }
  for (let i = 0; i < 15; i++) {
    // Stolen credentials used from somewhere new, at a time the user might plausibly work.
    const u = pick(users.filter((x) => x.shiftHours < 24));
    const day = int(2, days - 1);
    const at = start + day * 86_400_000 + ((u.shiftStart + rand() * u.shiftHours) % 24) * 3_600_000;
    login(at, u, `${publicNet()}.${octet()}`, true, u.json);
    incidents.push({ kind: "new_ip", keys: [`user:${u.name}`], start: at, end: at + 1000 });
  }

  events.sort((a, b) => a.at - b.at);
  return { lines: events.map((e) => e.line), incidents, users: nUsers, days, trips };
}
