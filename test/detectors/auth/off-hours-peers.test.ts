import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.js";
import { dayOf } from "../../../src/detectors/auth/host-hours.js";
import type { UnusualLoginHourDetector } from "../../../src/detectors/auth/unusual-login-hour.js";
import { lineAt } from "../records.js";
import { unusualLoginHour } from "./auth-detectors.js";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-03-02T00:00:00Z");

const make = () => unusualLoginHour({ maxKeys: 1000 });

const accepted = (user: string, host = "bastion-par-1") =>
  `Mar  2 00:00:00 ${host} sshd[22]: Accepted password for ${user} from 10.20.11.40 port 4000 ssh2`;

/** One login for `user` at `day` and UTC `hour`; the findings it raised. */
function login(d: UnusualLoginHourDetector, clock: FakeClock, user: string, day: number, hour: number) {
  clock.set(T0 + day * 24 * HOUR + hour * HOUR + 7 * 60_000);
  return d.observe([lineAt(clock, accepted(user))]);
}

/** Two days of a host's staff: `day` workers 08:00–17:00 UTC and `night` workers 22:00–06:00 UTC. */
function staff(d: UnusualLoginHourDetector, clock: FakeClock, day: number, night: number) {
  const out = [];
  for (let dd = 0; dd < 2; dd++) {
    for (let i = 0; i < day; i++) for (const h of [8, 12, 16]) out.push(...login(d, clock, `day${i}`, dd, h));
    for (let i = 0; i < night; i++)
      for (const h of [22, 2, 5]) out.push(...login(d, clock, `night${i}`, dd, h));
  }
  return out;
}

describe("unusual_login_hour: a user with too little history, judged against their host's users", () => {
  it("reports a day-working starter's 02:00 login, naming the peers; their daytime logins are quiet", () => {
    const clock = new FakeClock(T0);
    const d = make();
    expect(staff(d, clock, 30, 4)).toEqual([]);
    // A new starter's first day: two logins, inside the host's day.
    expect(login(d, clock, "nina", 2, 9)).toEqual([]);
    expect(login(d, clock, "nina", 2, 14)).toEqual([]);
    const out = login(d, clock, "nina", 3, 2);
    expect(out).toHaveLength(1);
    expect(out[0]!.features).toMatchObject({
      user: "nina",
      judged_by: "peers",
      host: "bastion-par-1",
      hour_utc: 2,
    });
    expect(out[0]!.severity).toBe("medium");
    expect(out[0]!.explanation.summary).toMatch(
      /an hour at which 0 of the 30 users of bastion-par-1 \(where they log in\) with hours like theirs/,
    );
  });

  it("leaves a night-shift starter's night alone (their peers are the night workers) and a first-ever login", () => {
    const clock = new FakeClock(T0);
    const d = make();
    expect(staff(d, clock, 30, 12)).toEqual([]);
    expect(login(d, clock, "theo", 2, 23)).toEqual([]);
    expect(login(d, clock, "theo", 3, 3)).toEqual([]);
    // Someone's very first login picks no peers: nothing to judge it by.
    expect(login(d, clock, "omar", 3, 2)).toEqual([]);
  });

  it("does not judge a host seen for less than a day, nor an hour inside colleagues' days", () => {
    const clock = new FakeClock(T0);
    const d = make();
    for (let i = 0; i < 30; i++) for (const h of [8, 12]) login(d, clock, `day${i}`, 0, h);
    expect(login(d, clock, "ines", 0, 13)).toEqual([]);
    // 20:00 is nobody's hour here, but the host has been logging in for thirteen hours only.
    expect(login(d, clock, "ines", 0, 21)).toEqual([]);
    // Colleagues seen at 08:00 and 16:00 work at 12:00 too (their day's span, not just its logins).
    expect(staff(d, clock, 30, 0)).toEqual([]);
    expect(login(d, clock, "lena", 2, 8)).toEqual([]);
    expect(login(d, clock, "lena", 2, 13)).toEqual([]);
  });

  it("judges a user against their own site's users, wherever they log in to", () => {
    const clock = new FakeClock(T0);
    const d = make();
    staff(d, clock, 30, 0);
    // Another site's staff, five hours behind: their 08:00–16:00 local is 13:00–21:00 UTC.
    for (let dd = 0; dd < 2; dd++)
      for (let i = 0; i < 30; i++)
        for (const h of [13, 17, 21]) {
          clock.set(T0 + dd * 24 * HOUR + h * HOUR + 9 * 60_000);
          d.observe([lineAt(clock, accepted(`nyc${i}`, "bastion-nyc-1"))]);
        }
    expect(login(d, clock, "nina", 2, 13)).toEqual([]);
    // 09:00 UTC is the night on bastion-nyc-1 but nina's day at home (bastion-par-1).
    clock.set(T0 + 3 * 24 * HOUR + 9 * HOUR);
    expect(d.observe([lineAt(clock, accepted("nina", "bastion-nyc-1"))])).toEqual([]);
  });

  /** Two days of a site's staff on `host`, logging in at `hours` (UTC). */
  function site(
    d: UnusualLoginHourDetector,
    clock: FakeClock,
    host: string,
    prefix: string,
    hours: number[],
  ) {
    for (let dd = 0; dd < 2; dd++)
      for (let i = 0; i < 30; i++)
        for (const h of hours) {
          clock.set(T0 + dd * 24 * HOUR + h * HOUR + 11 * 60_000);
          d.observe([lineAt(clock, accepted(`${prefix}${i}`, host))]);
        }
  }

  /** One login for `user` on `host` at `day`, UTC `hour`. */
  function loginOn(
    d: UnusualLoginHourDetector,
    clock: FakeClock,
    user: string,
    host: string,
    day: number,
    hour: number,
  ) {
    clock.set(T0 + day * 24 * HOUR + hour * HOUR + 13 * 60_000);
    return d.observe([lineAt(clock, accepted(user, host))]);
  }

  it("takes the host most of their logins go to as home, not the host of their first login", () => {
    const clock = new FakeClock(T0);
    const d = make();
    // A European site (08:00–16:00 UTC) and an Asian one (00:00–08:00 UTC).
    site(d, clock, "bastion-par-1", "par", [8, 12, 16]);
    site(d, clock, "bastion-tyo-1", "tyo", [0, 4, 8]);
    // A European starter whose first login went to the Asian bastion, then two to their own.
    expect(loginOn(d, clock, "priya", "bastion-tyo-1", 2, 8)).toEqual([]);
    expect(loginOn(d, clock, "priya", "bastion-par-1", 2, 9)).toEqual([]);
    expect(loginOn(d, clock, "priya", "bastion-par-1", 2, 12)).toEqual([]);
    // 02:00 UTC is the Asian site's day but her site's night.
    const out = loginOn(d, clock, "priya", "bastion-par-1", 3, 2);
    expect(out).toHaveLength(1);
    expect(out[0]!.features).toMatchObject({
      user: "priya",
      judged_by: "peers",
      peers_host: "bastion-par-1",
    });
  });

  it("judges a login on a host that has as many of their logins as their home by that host's users", () => {
    const clock = new FakeClock(T0);
    const d = make();
    site(d, clock, "bastion-par-1", "par", [8, 12, 16]);
    site(d, clock, "bastion-tyo-1", "tyo", [0, 4, 8]);
    // Two logins to each site's bastion, the Asian one first.
    for (const [host, hour] of [
      ["bastion-tyo-1", 7],
      ["bastion-tyo-1", 8],
      ["bastion-par-1", 9],
      ["bastion-par-1", 10],
    ] as const)
      expect(loginOn(d, clock, "sven", host, 2, hour)).toEqual([]);
    // On the European bastion at its night: judged there. On the Asian one at its day: judged at home.
    expect(loginOn(d, clock, "sven", "bastion-par-1", 3, 1)).toHaveLength(1);
    expect(loginOn(d, clock, "omar", "bastion-tyo-1", 2, 7)).toEqual([]);
    expect(loginOn(d, clock, "omar", "bastion-tyo-1", 2, 8)).toEqual([]);
    expect(loginOn(d, clock, "omar", "bastion-par-1", 2, 9)).toEqual([]);
    expect(loginOn(d, clock, "omar", "bastion-par-1", 3, 1)).toEqual([]);
  });

  it("keeps the logins per host across export and import", () => {
    const clock = new FakeClock(T0);
    const d = make();
    site(d, clock, "bastion-par-1", "par", [8, 12, 16]);
    site(d, clock, "bastion-tyo-1", "tyo", [0, 4, 8]);
    // Two logins to each site's bastion, the Asian one first.
    loginOn(d, clock, "kenji", "bastion-tyo-1", 2, 7);
    loginOn(d, clock, "kenji", "bastion-tyo-1", 2, 8);
    loginOn(d, clock, "kenji", "bastion-par-1", 2, 9);
    loginOn(d, clock, "kenji", "bastion-par-1", 2, 10);
    const copy = make();
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    // The European bastion has as many of his logins as home: judged there after the restart, as before.
    expect(loginOn(copy, clock, "kenji", "bastion-par-1", 3, 1)).toHaveLength(1);
    expect(loginOn(d, clock, "kenji", "bastion-par-1", 3, 1)).toHaveLength(1);
  });

  it("counts a user among the users of the host their home moved to", () => {
    const clock = new FakeClock(T0);
    const d = make();
    site(d, clock, "bastion-par-1", "par", [8, 12, 16]);
    site(d, clock, "bastion-tyo-1", "tyo", [0, 4, 8]);
    // Ten Europeans whose first login went to the Asian bastion, then two each to their own.
    for (let i = 0; i < 10; i++) {
      loginOn(d, clock, `mover${i}`, "bastion-tyo-1", 2, 8);
      loginOn(d, clock, `mover${i}`, "bastion-par-1", 2, 9);
      loginOn(d, clock, `mover${i}`, "bastion-par-1", 2, 14);
    }
    loginOn(d, clock, "nina", "bastion-par-1", 2, 10);
    const out = loginOn(d, clock, "nina", "bastion-par-1", 3, 2);
    expect(out).toHaveLength(1);
    expect(out[0]!.features).toMatchObject({ peers_host: "bastion-par-1", peers: 40 });
  });

  it("keeps the host's users across export and import", () => {
    const clock = new FakeClock(T0);
    const d = make();
    staff(d, clock, 30, 0);
    login(d, clock, "nina", 2, 9);
    const copy = make();
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    clock.set(T0 + 3 * 24 * HOUR + 2 * HOUR);
    expect(copy.observe([lineAt(clock, accepted("nina"))])).toHaveLength(1);
  });
});

describe("unusual_login_hour: near the edge of a user's own quiet time, their colleagues decide", () => {
  /** Two days of `user`'s logins at 09, 10, 12, 13 and 16 UTC: warm, with a quiet time 17:00–08:00. */
  function ownDays(d: UnusualLoginHourDetector, clock: FakeClock, user: string) {
    const out = [];
    for (const [day, hour] of [
      [0, 9],
      [0, 12],
      [0, 16],
      [1, 10],
      [1, 13],
    ] as const)
      out.push(...login(d, clock, user, day, hour));
    return out;
  }

  it("reports a login four hours before their first login hour when it is the site's deep night", () => {
    const clock = new FakeClock(T0);
    const d = make();
    expect(staff(d, clock, 30, 0)).toEqual([]);
    expect(ownDays(d, clock, "alice")).toEqual([]);
    // 05:00 is four hours before 09:00: too near the edge for five logins to call it their night alone.
    const out = login(d, clock, "alice", 2, 5);
    expect(out).toHaveLength(1);
    expect(out[0]!.features).toMatchObject({ user: "alice", judged_by: "own_hours_and_peers", peers: 30 });
    expect(out[0]!.explanation.summary).toMatch(
      /4 h inside their quiet time: .* an hour at which 0 of the 30 users of their host with hours like theirs/,
    );
  });

  it("leaves the same login alone where colleagues with days like theirs start that early", () => {
    const clock = new FakeClock(T0);
    const d = make();
    expect(staff(d, clock, 20, 0)).toEqual([]);
    // Ten early starters whose days overlap alice's: 05:00 is an ordinary start on this host.
    for (let dd = 0; dd < 2; dd++)
      for (let i = 0; i < 10; i++) for (const h of [5, 9, 13]) login(d, clock, `early${i}`, dd, h);
    expect(ownDays(d, clock, "alice")).toEqual([]);
    expect(login(d, clock, "alice", 2, 5)).toEqual([]);
  });

  it("is not judged by peers two hours from their day (their own hours say it is an evening)", () => {
    const clock = new FakeClock(T0);
    const d = make();
    expect(staff(d, clock, 30, 0)).toEqual([]);
    expect(ownDays(d, clock, "alice")).toEqual([]);
    expect(login(d, clock, "alice", 2, 18)).toEqual([]);
  });
});

describe("unusual_login_hour: deep in a user's own quiet time, their colleagues must not call it day", () => {
  /** Two days of `user`'s logins, all in the afternoon (13:00–16:00 UTC) of a day that starts at 08:00. */
  function afternoons(d: UnusualLoginHourDetector, clock: FakeClock, user: string) {
    const out = [];
    for (const [day, hour] of [
      [0, 13],
      [0, 15],
      [1, 14],
      [1, 16],
      [1, 13],
    ] as const)
      out.push(...login(d, clock, user, day, hour));
    return out;
  }

  it("leaves a login at an hour colleagues with days like theirs log in at (their morning, unseen so far)", () => {
    const clock = new FakeClock(T0);
    const d = make();
    expect(staff(d, clock, 30, 0)).toEqual([]);
    expect(afternoons(d, clock, "farah")).toEqual([]);
    // 08:00 is five hours before her first login hour, deep in the quiet time her five logins show, but
    // every colleague's day starts then.
    expect(login(d, clock, "farah", 2, 8)).toEqual([]);
  });

  it("still reports her 02:00 login, and the same 08:00 login where no colleagues are known", () => {
    const clock = new FakeClock(T0);
    const d = make();
    expect(staff(d, clock, 30, 0)).toEqual([]);
    expect(afternoons(d, clock, "farah")).toEqual([]);
    const night = login(d, clock, "farah", 2, 2);
    expect(night).toHaveLength(1);
    expect(night[0]!.explanation.summary).toMatch(/inside their quiet time/);
    // Alone on her host: her own hours decide, as before.
    const alone = make();
    expect(afternoons(alone, clock, "farah")).toEqual([]);
    expect(login(alone, clock, "farah", 2, 8)).toHaveLength(1);
  });
});

describe("dayOf", () => {
  it("fills the shortest span covering a day's login hours, across midnight too; a spread-out rota stays as it is", () => {
    const bits = (...hours: number[]) => hours.reduce((m, h) => m | (1 << h), 0);
    expect(dayOf(bits(9, 17))).toBe(bits(9, 10, 11, 12, 13, 14, 15, 16, 17));
    expect(dayOf(bits(22, 3))).toBe(bits(22, 23, 0, 1, 2, 3));
    expect(dayOf(bits(5))).toBe(bits(5));
    expect(dayOf(bits(0, 6, 12, 18))).toBe(bits(0, 6, 12, 18));
    expect(dayOf(0)).toBe(0);
  });
});
