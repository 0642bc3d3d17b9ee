/**
 * Attacks injected into the simulated week, with their ground truth. Each record names the entities a
 * finding about it would name (user, source address, host, access point, stations) and when it ran.
 * Attacks start after a two-day warm-up: the detectors that learn habits get two days to learn them,
 * as a deployment with a little history would have.
 */
import { type Person, publicIp } from "./organisation.js";
import type { LifeContext } from "./people-week.js";
import { hostapd, sshFailedPassword, sshSession, sudoCommand } from "./syslog-lines.js";
import { DAY, HOUR, localToUtc } from "./week.js";

export const ATTACK_KINDS = [
  "brute_force",
  "password_spraying",
  "success_after_failures",
  "new_external_ip",
  "off_hours_login",
  "privilege_escalation",
  "wifi_deauth_burst",
  "stolen_key_login",
  "slow_guessing",
  "off_hours_new_user",
] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

export interface AttackEntities {
  user?: string;
  ip?: string;
  host?: string;
  bssid?: string;
  stations?: string[];
}

export interface Attack {
  kind: AttackKind;
  entities: AttackEntities;
  /** Epoch ms. */
  start: number;
  end: number;
  /** One line on what happened, for reports. */
  note: string;
}

/** Rented servers and anonymising networks attackers log in from: never a network the staff use. */
const ATTACKER_PREFIXES = ["185.220", "5.188", "194.26", "91.92", "104.244", "193.42", "31.184"];

export function attackEntityValues(a: Attack): string[] {
  const e = a.entities;
  return [e.user, e.ip, e.host, e.bssid, ...(e.stations ?? [])].filter(
    (v): v is string => typeof v === "string",
  );
}

export function injectAttacks(ctx: LifeContext): Attack[] {
  const attacks: Attack[] = [];
  const { dice, org } = ctx;
  // Victims are ordinary day workers, present all week, so "off hours" and "new network" mean something.
  const victims = dice.sample(
    org.people.filter((p) => p.hiredOn === 0 && (p.persona === "day worker" || p.persona === "remote")),
    40,
  );
  const victim = () => victims.pop() as Person;
  const attackDay = () => dice.int(2, ctx.shape.days - 1);
  const bastionOf = (p: Person) =>
    org.bastions.find((b) => b.site === p.site)?.host ?? (org.bastions[0]?.host as string);

  // Brute force on a service name or a person; two of the five get in.
  for (let i = 0; i < 5; i++) {
    const target = i < 3 ? victim() : null;
    const user = target?.name ?? dice.pick(["root", "admin", "deploy"]);
    const host = target ? bastionOf(target) : dice.pick(org.bastions).host;
    const ip = publicIp(dice, ATTACKER_PREFIXES);
    const start = ctx.weekStart + attackDay() * DAY + dice.next() * DAY;
    const tries = dice.int(40, 250);
    const gap = dice.int(2, 8) * 1000;
    for (let k = 0; k < tries; k++) sshFailedPassword(ctx.t, start + k * gap, host, user, ip, true);
    const end = start + tries * gap;
    attacks.push({
      kind: "brute_force",
      entities: { user, ip, host },
      start,
      end,
      note: `${tries} guesses at ${user} on ${host}`,
    });
    if (target && i < 2) {
      const at = end + dice.int(5, 60) * 1000;
      intruderSession(ctx, target, host, ip, at);
      attacks.push({
        kind: "success_after_failures",
        entities: { user, ip, host },
        start,
        end: at,
        note: "the brute force got in",
      });
      attacks.push({
        kind: "new_external_ip",
        entities: { user, ip, host },
        start: at,
        end: at + 1000,
        note: "brute-forced login from the attacker's address",
      });
    }
  }

  // Password spraying: one address, one or two guesses at many real accounts, over 20–90 minutes.
  for (let i = 0; i < 3; i++) {
    const ip = publicIp(dice, ATTACKER_PREFIXES);
    const host = dice.pick(org.bastions).host;
    const start = ctx.weekStart + attackDay() * DAY + dice.next() * DAY;
    const spread = dice.int(20, 90) * 60_000;
    const names = dice.sample(org.people, dice.int(25, 70));
    names.forEach((p, k) => {
      for (let a = dice.int(1, 2); a > 0; a--)
        sshFailedPassword(ctx.t, start + (k / names.length) * spread + a * 3000, host, p.name, ip, true);
    });
    attacks.push({
      kind: "password_spraying",
      entities: { ip, host },
      start,
      end: start + spread + 10_000,
      note: `${names.length} accounts from one address`,
    });
  }

  // Credential stuffing that works after a handful of failures.
  for (let i = 0; i < 3; i++) {
    const p = victim();
    const host = bastionOf(p);
    const ip = publicIp(dice, ATTACKER_PREFIXES);
    const start = workingTime(ctx, p, attackDay());
    const fails = dice.int(4, 9);
    for (let k = 0; k < fails; k++)
      sshFailedPassword(ctx.t, start + k * dice.int(3, 12) * 1000, host, p.name, ip, true);
    const at = start + fails * 15_000;
    intruderSession(ctx, p, host, ip, at);
    attacks.push({
      kind: "success_after_failures",
      entities: { user: p.name, ip, host },
      start,
      end: at,
      note: `${fails} failures then success`,
    });
  }

  // Stolen credentials used from a new external address, during the victim's working hours.
  for (let i = 0; i < 3; i++) {
    const p = victim();
    const host = bastionOf(p);
    const ip = publicIp(dice, ATTACKER_PREFIXES);
    const at = workingTime(ctx, p, attackDay());
    intruderSession(ctx, p, host, ip, at);
    attacks.push({
      kind: "new_external_ip",
      entities: { user: p.name, ip, host },
      start: at,
      end: at + 1000,
      note: "first login from a new external network",
    });
  }

  // A day worker's account used at 01:00–04:30 local on a weekday, from the VPN as usual.
  for (let i = 0; i < 3; i++) {
    const p = victim();
    const host = bastionOf(p);
    let day = attackDay();
    while (day % 7 >= 5) day--;
    const at = localToUtc(ctx.weekStart, day, 1 + dice.next() * 3.5, p.site.utcOffsetHours);
    const ip = `10.250.${ctx.shape.sites.indexOf(p.site)}.${dice.int(2, 250)}`;
    intruderSession(ctx, p, host, ip, at);
    attacks.push({
      kind: "off_hours_login",
      entities: { user: p.name, ip, host },
      start: at,
      end: at + 1000,
      note: `login at ${new Date(at + p.site.utcOffsetHours * HOUR).toISOString().slice(11, 16)} local`,
    });
  }

  // First-ever privilege escalation by someone who never used sudo: put in the sudo group, or su.
  for (let i = 0; i < 3; i++) {
    const p = victim();
    const host = dice.pick(org.servers);
    const at = workingTime(ctx, p, attackDay());
    sshSession(
      ctx.t,
      at,
      {
        host,
        user: p.name,
        uid: p.uid,
        ip: org.bastions[0]?.internalIp ?? "10.0.0.10",
        method: "password",
        durationMs: 20 * 60_000,
      },
      ctx.nextSession(),
    );
    if (i === 2) {
      const pid = ctx.t.pid();
      ctx.t.write(at + 60_000, host, "su", `(to root) ${p.name} on pts/1`, pid);
      ctx.t.write(
        at + 60_020,
        host,
        "su",
        `pam_unix(su-l:session): session opened for user root(uid=0) by ${p.name}(uid=${p.uid})`,
        pid,
      );
    } else {
      ctx.t.write(at + 30_000, host, "usermod", `add '${p.name}' to group 'sudo'`, ctx.t.pid());
      sudoCommand(
        ctx.t,
        at + 60_000,
        host,
        p.name,
        p.uid,
        dice.pick(["/bin/bash", "/usr/bin/cat /etc/shadow", "/usr/bin/vim /etc/sudoers"]),
        "pts/1",
      );
    }
    attacks.push({
      kind: "privilege_escalation",
      entities: { user: p.name, host },
      start: at,
      end: at + 61_000,
      note: i === 2 ? "first su to root" : "added to sudo, then first sudo",
    });
  }

  // Deauthentication flood against one access point: its stations are kicked off and reconnect, repeatedly.
  const aps = org.accessPoints;
  for (let i = 0; i < 3 && aps.length > 0; i++) {
    const ap = dice.pick(aps);
    const start = localToUtc(
      ctx.weekStart,
      attackDay(),
      dice.int(9, 16) + dice.next(),
      ap.site.utcOffsetHours,
    );
    const stations = org.people
      .filter((p) => p.site === ap.site)
      .slice(0, dice.int(8, 20))
      .map((p) => p.laptop);
    let at = start;
    for (let round = dice.int(2, 4); round > 0; round--)
      for (const s of stations) {
        hostapd(ctx.t, at, ap.host, s, dice.chance(0.5) ? "disassociated" : "deauth-local");
        hostapd(ctx.t, at + dice.int(2, 20) * 1000, ap.host, s, "associated");
        at += dice.int(200, 3000);
      }
    attacks.push({
      kind: "wifi_deauth_burst",
      entities: { host: ap.host, bssid: ap.bssid, stations },
      start,
      end: at + 20_000,
      note: `${stations.length} stations kicked off ${ap.host}`,
    });
  }
  // The kinds below came later (issue 46): drawn after the others, so the others stay as they were.
  attacks.push(...harderAttacks(ctx, victims));
  return attacks;
}

/**
 * What the first round of detection missed on unseen organisations: a stolen key used from outside by
 * someone only ever seen inside, slow guessing over more than an hour that ends in a success, and an
 * off-hours login by someone with two to four days of history.
 */
function harderAttacks(ctx: LifeContext, spare: Person[]): Attack[] {
  const { dice, org } = ctx;
  const attacks: Attack[] = [];
  const attackDay = () => dice.int(2, ctx.shape.days - 1);
  const bastionOf = (p: Person) =>
    org.bastions.find((b) => b.site === p.site)?.host ?? (org.bastions[0]?.host as string);

  // Office and VPN only (never a public address of their own), then their key from a rented server.
  const insideOnly = spare.filter((p) => p.persona === "day worker" && p.vpn);
  for (let i = 0; i < 3 && insideOnly.length > 0; i++) {
    const p = insideOnly.splice(dice.int(0, insideOnly.length - 1), 1)[0] as Person;
    spare.splice(spare.indexOf(p), 1);
    const host = bastionOf(p);
    const ip = publicIp(dice, ATTACKER_PREFIXES);
    const at = workingTime(ctx, p, attackDay());
    sshSession(
      ctx.t,
      at,
      { host, user: p.name, uid: p.uid, ip, method: "publickey", durationMs: dice.int(3, 40) * 60_000 },
      ctx.nextSession(),
    );
    attacks.push({
      kind: "stolen_key_login",
      entities: { user: p.name, ip, host },
      start: at,
      end: at + 1000,
      note: "their own key, first login from outside",
    });
  }

  // Tens of guesses at one account over one to two and a half hours, from one to three addresses (one of
  // them a workstation on the office LAN), then a success from the last of them.
  for (let i = 0; i < 3 && spare.length > 0; i++) {
    const p = spare.pop() as Person;
    const host = bastionOf(p);
    const workstation = `10.${p.site.lan}.${10 + dice.int(0, 5)}.${dice.int(20, 250)}`;
    const ips = [workstation, publicIp(dice, ATTACKER_PREFIXES), publicIp(dice, ATTACKER_PREFIXES)].slice(
      0,
      i + 1,
    );
    const start = workingTime(ctx, p, attackDay());
    const spread = dice.int(65, 150) * 60_000;
    const fails = dice.int(20, 45);
    for (let k = 0; k < fails; k++)
      sshFailedPassword(ctx.t, start + (k / fails) * spread, host, p.name, ips[k % ips.length]!, true);
    const from = ips[(fails - 1) % ips.length]!;
    const at = start + spread + dice.int(1, 10) * 60_000;
    intruderSession(ctx, p, host, from, at);
    attacks.push({
      kind: "slow_guessing",
      entities: { user: p.name, ip: from, host },
      start,
      end: at,
      note: `${fails} guesses over ${Math.round(spread / 60_000)} min from ${ips.length} address(es), then in`,
    });
  }

  // A day-working new hire's account at 01:00–04:30 local, two to four days after their first day.
  const hires = org.people.filter((p) => p.persona === "new hire" && !p.admin && p.startHour < 12);
  for (const p of hires.slice(0, 2)) {
    const first = p.hiredOn + 2;
    if (first > ctx.shape.days - 1) continue;
    let day = dice.int(first, Math.min(p.hiredOn + 4, ctx.shape.days - 1));
    while (day % 7 >= 5 && day > first) day--;
    const at = localToUtc(ctx.weekStart, day, 1 + dice.next() * 3.5, p.site.utcOffsetHours);
    const ip = `10.250.${ctx.shape.sites.indexOf(p.site)}.${dice.int(2, 250)}`;
    intruderSession(ctx, p, bastionOf(p), ip, at);
    attacks.push({
      kind: "off_hours_new_user",
      entities: { user: p.name, ip, host: bastionOf(p) },
      start: at,
      end: at + 1000,
      note: `login at ${new Date(at + p.site.utcOffsetHours * HOUR).toISOString().slice(11, 16)} local, ${day - p.hiredOn} days after their first`,
    });
  }
  return attacks;
}

/** A time inside the person's working day (local hours converted to UTC). */
function workingTime(ctx: LifeContext, p: Person, day: number): number {
  let d = day;
  while (d % 7 >= 5 || p.site.holidays.includes(d % 7)) d = d > 2 ? d - 1 : d + 1;
  return localToUtc(
    ctx.weekStart,
    d,
    p.startHour + 1 + ctx.dice.next() * (p.hours - 2),
    p.site.utcOffsetHours,
  );
}

/** The intruder's session: a login, a look around, sometimes an attempt to read what they should not. */
function intruderSession(ctx: LifeContext, p: Person, host: string, ip: string, at: number): void {
  sshSession(
    ctx.t,
    at,
    { host, user: p.name, uid: p.uid, ip, method: "password", durationMs: ctx.dice.int(3, 40) * 60_000 },
    ctx.nextSession(),
  );
}
