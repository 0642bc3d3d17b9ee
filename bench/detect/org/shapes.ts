/**
 * Organisation shapes and the tuning / judging split. Detectors may be tuned against TUNING runs only;
 * JUDGING runs use other seeds and another shape, so a threshold fitted to one week's quirks shows up as
 * a worse judging figure instead of a better one.
 */

export interface Site {
  /** Short name, used in host names (`bastion-par-1`, `ap-par-2`). */
  code: string;
  /** Fixed offset from UTC in hours (no DST: one simulated week rarely crosses a change). */
  utcOffsetHours: number;
  /** Share of the staff based here (shares of a shape sum to 1). */
  share: number;
  /** WiFi access points (hostapd) in the office; 0 for a site without managed WiFi. */
  wifiAps: number;
  /** Days of the week (0 = Monday) that are public holidays at this site. */
  holidays: number[];
  /** Second octet of the site's 10.x.0.0/16 office LAN. */
  lan: number;
}

export interface OrgShape {
  name: string;
  users: number;
  days: number;
  sites: Site[];
  /** Share of staff who administer servers and use sudo every working day. */
  adminShare: number;
  /** Share who work night shifts (operations, support). */
  nightShare: number;
  /** Share who work from home (residential IP or VPN) rather than the office. */
  remoteShare: number;
  /** Share on a business trip for part of the week (legitimate logins from new networks). */
  travellerShare: number;
  /** Share whose laptop moves between office, home and phone tethering (carrier CGNAT addresses). */
  roamingShare: number;
  /** People who join during the week (accounts created on their first day). */
  newHires: number;
  /** Internal servers (app, db, ci…) that admins and service accounts log in to. */
  servers: number;
}

export const SHAPES: Record<string, OrgShape> = {
  // Tuning: a European head office and a US branch.
  "two-site": {
    name: "two-site",
    users: 300,
    days: 7,
    sites: [
      { code: "par", utcOffsetHours: 1, share: 0.65, wifiAps: 4, holidays: [2], lan: 20 },
      { code: "nyc", utcOffsetHours: -5, share: 0.35, wifiAps: 2, holidays: [], lan: 30 },
    ],
    adminShare: 0.08,
    nightShare: 0.05,
    remoteShare: 0.25,
    travellerShare: 0.03,
    roamingShare: 0.1,
    newHires: 4,
    servers: 14,
  },
  // Tuning: three offices a continent apart, more admins and remote staff than two-site (added so that
  // detectors tuned on one week's quirks meet a second shape before the judging set does).
  "three-site": {
    name: "three-site",
    users: 300,
    days: 7,
    sites: [
      { code: "fra", utcOffsetHours: 1, share: 0.45, wifiAps: 3, holidays: [1], lan: 80 },
      { code: "sfo", utcOffsetHours: -8, share: 0.35, wifiAps: 2, holidays: [], lan: 90 },
      { code: "tyo", utcOffsetHours: 9, share: 0.2, wifiAps: 1, holidays: [3], lan: 100 },
    ],
    adminShare: 0.15,
    nightShare: 0.07,
    remoteShare: 0.35,
    travellerShare: 0.04,
    roamingShare: 0.12,
    // Six: with five, seed 1201 hired only one day-working starter (the week injects their night login).
    newHires: 6,
    servers: 16,
  },
  // Tuning: an operations centre, many night shifts and remote staff (peers at night are common here).
  "night-ops": {
    name: "night-ops",
    users: 300,
    days: 7,
    sites: [
      { code: "ams", utcOffsetHours: 1, share: 0.6, wifiAps: 2, holidays: [4], lan: 110 },
      { code: "dal", utcOffsetHours: -6, share: 0.4, wifiAps: 1, holidays: [], lan: 120 },
    ],
    adminShare: 0.1,
    nightShare: 0.15,
    remoteShare: 0.45,
    travellerShare: 0.04,
    roamingShare: 0.12,
    newHires: 6,
    servers: 14,
  },
  // Judging: follow-the-sun support across four zones, more remote work and more night shifts.
  "follow-the-sun": {
    name: "follow-the-sun",
    users: 300,
    days: 7,
    sites: [
      { code: "lon", utcOffsetHours: 0, share: 0.4, wifiAps: 3, holidays: [0], lan: 40 },
      { code: "chi", utcOffsetHours: -6, share: 0.25, wifiAps: 0, holidays: [3], lan: 50 },
      { code: "sin", utcOffsetHours: 8, share: 0.2, wifiAps: 2, holidays: [], lan: 60 },
      { code: "blr", utcOffsetHours: 5.5, share: 0.15, wifiAps: 2, holidays: [4], lan: 70 },
    ],
    adminShare: 0.12,
    nightShare: 0.1,
    remoteShare: 0.4,
    travellerShare: 0.05,
    roamingShare: 0.15,
    newHires: 6,
    servers: 18,
  },
};

export interface BenchRun {
  shape: string;
  seed: number;
}

export const TUNING: readonly BenchRun[] = [
  { shape: "two-site", seed: 1101 },
  { shape: "three-site", seed: 1201 },
  { shape: "two-site", seed: 1102 },
  { shape: "three-site", seed: 1202 },
  { shape: "night-ops", seed: 1301 },
  { shape: "night-ops", seed: 1302 },
];

export const JUDGING: readonly BenchRun[] = [
  { shape: "follow-the-sun", seed: 9901 },
  { shape: "follow-the-sun", seed: 9902 },
];

export function shapeNamed(name: string): OrgShape {
  const shape = SHAPES[name];
  if (!shape) throw new Error(`unknown organisation shape '${name}' (${Object.keys(SHAPES).join(", ")})`);
  return shape;
}
