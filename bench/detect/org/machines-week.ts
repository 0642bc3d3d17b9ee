/**
 * What runs without people: service accounts (deploys, backups, configuration management with sudo),
 * CRON on every server, password rotations and new-hire onboarding by the admins, and the internet's
 * background scanning of the exposed bastions.
 */
import type { LifeContext } from "./people-week.js";
import { cronRun, passwordChanged, sshFailedPassword, sshSession, sudoCommand } from "./syslog-lines.js";
import { DAY, HOUR, localToUtc } from "./week.js";

/** Where internet scanners come from: hosting and cloud ranges seen on every exposed sshd. */
const SCANNER_PREFIXES = [
  "45.148",
  "61.177",
  "141.98",
  "159.65",
  "167.99",
  "193.201",
  "218.92",
  "222.186",
  "2.57",
  "179.43",
];
const SCANNED_NAMES = [
  "root",
  "admin",
  "test",
  "ubuntu",
  "oracle",
  "postgres",
  "user",
  "git",
  "pi",
  "ftpuser",
  "deploy",
  "support",
];

export function simulateMachines(ctx: LifeContext): void {
  serviceAccounts(ctx);
  cron(ctx);
  passwordRotations(ctx);
  onboarding(ctx);
  internetScanners(ctx);
}

function serviceAccounts(ctx: LifeContext): void {
  const { dice, t, org, shape, weekStart } = ctx;
  const apps = org.servers.filter((s) => s.startsWith("app") || s.startsWith("web"));
  const dbs = org.servers.filter((s) => s.startsWith("db"));
  for (let day = 0; day < shape.days; day++) {
    // CI deploys during European and American working hours on weekdays.
    if (day % 7 < 5)
      for (let h = 7; h < 22; h += dice.int(1, 3)) {
        const at = weekStart + day * DAY + h * HOUR + dice.int(0, 3599) * 1000;
        for (const host of apps) {
          sshSession(
            t,
            at,
            {
              host,
              user: "deploy",
              uid: 998,
              ip: "10.0.5.21",
              method: "publickey",
              durationMs: dice.int(20, 200) * 1000,
            },
            ctx.nextSession(),
          );
          sudoCommand(t, at + 5000, host, "deploy", 998, "/usr/bin/systemctl restart app", "unknown");
        }
      }
    for (const host of dbs) {
      const at = weekStart + day * DAY + 1.5 * HOUR + dice.int(0, 600) * 1000;
      sshSession(
        t,
        at,
        {
          host,
          user: "backup",
          uid: 997,
          ip: "10.0.5.30",
          method: "publickey",
          durationMs: dice.int(10, 40) * 60_000,
        },
        ctx.nextSession(),
      );
    }
    // Configuration management converges every server once an hour (staggered), escalating each time.
    for (let m = 0; m < 24 * 60; m += 60)
      for (const host of org.servers) {
        if (!dice.chance(0.8)) continue; // a run now and then is skipped (host busy, lock held)
        const at = weekStart + day * DAY + (m + dice.next() * 10) * 60_000;
        sshSession(
          t,
          at,
          {
            host,
            user: "ansible",
            uid: 996,
            ip: "10.0.5.40",
            method: "publickey",
            durationMs: dice.int(15, 90) * 1000,
          },
          ctx.nextSession(),
        );
        sudoCommand(
          t,
          at + 3000,
          host,
          "ansible",
          996,
          `/bin/sh -c echo BECOME-SUCCESS-${dice.int(1e6, 9e6).toString(36)} ; /usr/bin/python3`,
          "unknown",
        );
      }
  }
}

function cron(ctx: LifeContext): void {
  const { dice, t, org, shape, weekStart } = ctx;
  const end = weekStart + shape.days * DAY;
  for (const [i, host] of org.servers.entries()) {
    const busy = i < 2; // the database primaries collect sysstat every ten minutes
    for (let at = weekStart + i * 7000; at < end; at += busy ? 10 * 60_000 : HOUR) {
      if (busy) cronRun(t, at, host, "root", "command -v debian-sa1 > /dev/null && debian-sa1 1 1");
      if (!busy || (at - weekStart) % HOUR < 10 * 60_000)
        cronRun(t, at + 17 * 60_000, host, "root", "cd / && run-parts --report /etc/cron.hourly");
    }
    for (let day = 0; day < shape.days; day++) {
      cronRun(
        t,
        weekStart + day * DAY + 6 * HOUR + 25 * 60_000,
        host,
        "root",
        "test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )",
      );
      if (host.startsWith("web") || host.startsWith("app"))
        cronRun(
          t,
          weekStart + day * DAY + dice.int(0, 23) * HOUR,
          host,
          "www-data",
          "php /var/www/app/artisan schedule:run",
        );
    }
  }
}

/** Passwords expire every 90 days: about a fourteenth of the staff change theirs in any week. */
function passwordRotations(ctx: LifeContext): void {
  const { dice, t, org, shape, weekStart } = ctx;
  for (const p of org.people) {
    if (!dice.chance(shape.days / 90)) continue;
    const day = dice.int(p.hiredOn, shape.days - 1);
    const bastion = org.bastions.find((b) => b.site === p.site)?.host ?? "bastion-1";
    const at = localToUtc(weekStart, day, p.startHour + 0.5, p.site.utcOffsetHours);
    // Most change their own; a few call the helpdesk, whose admin resets it with chpasswd.
    passwordChanged(t, at, bastion, p.name, dice.chance(0.8) ? "passwd" : "chpasswd");
    ctx.freshPassword.set(p.name, day + 1);
  }
}

/** New hires: an admin creates the account (and adds admins to sudo) on the morning they start. */
function onboarding(ctx: LifeContext): void {
  const { t, org, weekStart } = ctx;
  for (const p of org.people.filter((x) => x.hiredOn > 0)) {
    const bastion = org.bastions.find((b) => b.site === p.site)?.host ?? "bastion-1";
    const at = localToUtc(weekStart, p.hiredOn, p.startHour - 0.5, p.site.utcOffsetHours);
    t.write(at, bastion, "useradd", `new group: name=${p.name}, GID=${p.uid}`, t.pid());
    t.write(
      at + 50,
      bastion,
      "useradd",
      `new user: name=${p.name}, UID=${p.uid}, GID=${p.uid}, home=/home/${p.name}, shell=/bin/bash, from=/dev/pts/2`,
      t.pid(),
    );
    passwordChanged(t, at + 30_000, bastion, p.name, "chpasswd");
    if (p.admin)
      for (const host of [bastion, ...org.servers])
        t.write(at + 60_000, host, "usermod", `add '${p.name}' to group 'sudo'`, t.pid());
  }
}

/** Many scanners, each a few guesses at common names; a few slow, persistent ones on each bastion. */
function internetScanners(ctx: LifeContext): void {
  const { dice, t, org, shape, weekStart } = ctx;
  for (const bastion of org.bastions) {
    for (let i = 0; i < shape.days * 60; i++) {
      const ip = `${dice.pick(SCANNER_PREFIXES)}.${dice.int(1, 254)}.${dice.int(1, 254)}`;
      let at = weekStart + dice.next() * shape.days * DAY;
      for (let k = dice.int(1, 5); k > 0; k--, at += dice.int(1, 40) * 1000) {
        const name = dice.pick(SCANNED_NAMES);
        sshFailedPassword(t, at, bastion.host, name, ip, name === "root" || name === "deploy");
      }
    }
    for (let s = 0; s < 3; s++) {
      const ip = `${dice.pick(SCANNER_PREFIXES)}.${dice.int(1, 254)}.${dice.int(1, 254)}`;
      for (
        let at = weekStart + dice.next() * DAY;
        at < weekStart + shape.days * DAY;
        at += dice.int(20, 60) * 60_000
      )
        sshFailedPassword(t, at, bastion.host, "root", ip, true);
    }
  }
}
