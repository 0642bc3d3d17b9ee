/**
 * Ordinary working life: people log in to their site's bastion from the office LAN (DHCP leases that
 * change), the VPN pool, home ISPs, hotels and phone tethering; admins hop on to servers and sudo; some
 * mistype passwords; laptops and phones associate with and leave the office WiFi.
 */
import type { Dice } from "./dice.js";
import {
  CARRIER_PREFIXES,
  HOTEL_PREFIXES,
  type Organisation,
  type Person,
  publicIp,
} from "./organisation.js";
import type { OrgShape } from "./shapes.js";
import {
  hostapd,
  sshFailedPassword,
  sshSession,
  sudoCommand,
  sudoTypo,
  type Timeline,
} from "./syslog-lines.js";
import { HOUR, localToUtc } from "./week.js";

const ADMIN_COMMANDS = [
  "/usr/bin/systemctl restart nginx",
  "/usr/bin/journalctl -u app --since today",
  "/usr/bin/apt-get update",
  "/usr/bin/apt-get -y upgrade",
  "/usr/bin/docker ps",
  "/usr/bin/tail -n 200 /var/log/syslog",
  "/usr/sbin/ufw status",
  "/usr/bin/systemctl status postgresql",
];

export interface LifeContext {
  shape: OrgShape;
  org: Organisation;
  dice: Dice;
  t: Timeline;
  weekStart: number;
  nextSession: () => number;
  /** Days (per user) right after a password change, when the new one is mistyped more often. */
  freshPassword: Map<string, number>;
}

/** Whether the person works on `day` (local calendar), and whether from the office. */
function workday(ctx: LifeContext, p: Person, day: number): "off" | "office" | "home" | "trip" | "on-call" {
  if (day < p.hiredOn) return "off";
  const weekend = day % 7 >= 5;
  const holiday = p.site.holidays.includes(day % 7);
  if (weekend || holiday) {
    if (p.admin && ctx.dice.chance(0.3)) return "on-call";
    return p.persona === "night shift" && !holiday && ctx.dice.chance(0.5)
      ? "home"
      : ctx.dice.chance(0.04)
        ? "on-call"
        : "off";
  }
  if (ctx.dice.chance(0.04)) return "off"; // leave, sick day
  if (p.trip && day >= p.trip.day && day < p.trip.day + p.trip.days) return "trip";
  if (p.remote || p.persona === "night shift") return "home";
  return ctx.dice.chance(0.2) ? "home" : "office";
}

export function simulatePeople(ctx: LifeContext): void {
  const { dice, org, shape } = ctx;
  const lease = new Map<string, string>();
  for (const p of org.people) {
    const tripIp = publicIp(dice, HOTEL_PREFIXES);
    let homeIp = p.homeIp;
    for (let day = 0; day < shape.days; day++) {
      const mode = workday(ctx, p, day);
      if (mode === "off") continue;
      // ISPs reassign home addresses now and then; office DHCP leases churn daily.
      if (dice.chance(0.05)) homeIp = `${homeIp.split(".").slice(0, 3).join(".")}.${dice.int(2, 253)}`;
      // A desk is on its floor's VLAN (one /24 per floor); a day in meeting rooms puts the laptop on the WiFi VLAN.
      if (!lease.has(p.name) || dice.chance(0.3)) {
        const vlan = dice.chance(0.2) ? 100 : 10 + (p.uid % 6);
        lease.set(p.name, `10.${p.site.lan}.${vlan}.${dice.int(20, 250)}`);
      }
      const start = localToUtc(
        ctx.weekStart,
        day,
        p.startHour + dice.next() * 0.75 - 0.25,
        p.site.utcOffsetHours,
      );
      const length = mode === "on-call" ? dice.int(1, 2) * HOUR : p.hours * HOUR;
      const sessions = mode === "on-call" ? 1 : p.admin ? dice.int(3, 6) : dice.int(1, 4);
      const typo = ctx.freshPassword.get(p.name) === day ? 0.6 : p.typoRate;
      for (let s = 0; s < sessions; s++) {
        const at = start + dice.next() * length * 0.9;
        const ip = sourceIp(ctx, p, mode, homeIp, tripIp, lease.get(p.name) as string);
        login(ctx, p, at, ip, dice.chance(typo));
      }
      if (mode === "office") wifiDay(ctx, p, start, length);
    }
  }
}

function sourceIp(
  ctx: LifeContext,
  p: Person,
  mode: string,
  homeIp: string,
  tripIp: string,
  lease: string,
): string {
  const { dice } = ctx;
  if (p.roaming && dice.chance(0.35)) return publicIp(dice, CARRIER_PREFIXES);
  if (mode === "trip") return dice.chance(0.5) ? tripIp : vpnIp(ctx, p);
  if (mode === "office") return lease;
  return p.vpn ? vpnIp(ctx, p) : homeIp;
}

function vpnIp(ctx: LifeContext, p: Person): string {
  return `10.250.${ctx.shape.sites.indexOf(p.site)}.${ctx.dice.int(2, 250)}`;
}

function login(ctx: LifeContext, p: Person, at: number, ip: string, typo: boolean): void {
  const { dice, org, t } = ctx;
  const bastion = dice.chance(0.9)
    ? (org.bastions.find((b) => b.site === p.site) ?? org.bastions[0])
    : dice.pick(org.bastions);
  if (!bastion) return;
  if (typo)
    for (let k = dice.int(1, 2); k > 0; k--)
      sshFailedPassword(t, at - k * dice.int(6, 20) * 1000, bastion.host, p.name, ip, true);
  const method = dice.chance(p.admin ? 0.9 : 0.4) ? "publickey" : "password";
  const durationMs = dice.int(5, 150) * 60_000;
  sshSession(
    t,
    at,
    { host: bastion.host, user: p.name, uid: p.uid, ip, method, durationMs },
    ctx.nextSession(),
  );
  if (!p.admin) return;
  for (let hop = dice.int(1, 3); hop > 0; hop--) {
    const server = dice.pick(org.servers);
    const hopAt = at + dice.int(1, 20) * 60_000;
    sshSession(
      t,
      hopAt,
      {
        host: server,
        user: p.name,
        uid: p.uid,
        ip: bastion.internalIp,
        method: "publickey",
        durationMs: dice.int(2, 40) * 60_000,
      },
      ctx.nextSession(),
    );
    for (let c = dice.int(1, 4); c > 0; c--) {
      const cmdAt = hopAt + dice.int(10, 600) * 1000;
      if (dice.chance(0.03)) sudoTypo(t, cmdAt - 4000, server, p.name, p.uid);
      sudoCommand(t, cmdAt, server, p.name, p.uid, dice.pick(ADMIN_COMMANDS));
    }
  }
}

/** A laptop and a phone on the office WiFi: arrive, roam between access points, lunch, leave. */
function wifiDay(ctx: LifeContext, p: Person, start: number, length: number): void {
  const { dice, t } = ctx;
  const aps = ctx.org.accessPoints.filter((a) => a.site === p.site);
  if (aps.length === 0) return;
  let ap = dice.pick(aps).host;
  const arrive = start - dice.int(2, 15) * 60_000;
  const leave = start + length + dice.int(-20, 30) * 60_000;
  hostapd(t, arrive, ap, p.laptop, "associated");
  hostapd(t, arrive + dice.int(5, 60) * 1000, ap, p.phone, "associated");
  for (let r = dice.int(0, 2); r > 0; r--) {
    const at = arrive + dice.next() * (leave - arrive);
    const next = dice.pick(aps).host;
    if (next === ap) continue;
    hostapd(t, at, ap, p.laptop, "disassociated");
    hostapd(t, at + 800, next, p.laptop, "associated");
    ap = next;
  }
  // Phones sleep and wake all day; each wake is a fresh association.
  for (let at = arrive + dice.int(30, 90) * 60_000; at < leave; at += dice.int(30, 120) * 60_000) {
    hostapd(t, at, ap, p.phone, dice.chance(0.7) ? "disassociated" : "deauth-inactivity");
    hostapd(t, at + dice.int(1, 8) * 60_000, ap, p.phone, "associated");
  }
  hostapd(t, leave, ap, p.laptop, "disassociated");
  hostapd(
    t,
    leave + dice.int(0, 3) * 60_000,
    ap,
    p.phone,
    dice.chance(0.5) ? "disassociated" : "deauth-inactivity",
  );
}
