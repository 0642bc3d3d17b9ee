/** The people, hosts and networks of one simulated organisation, drawn from its shape and seed. */
import type { Dice } from "./dice.js";
import type { OrgShape, Site } from "./shapes.js";

/** What kind of person a login belongs to, so an unmatched finding can say whose habit it tripped on. */
export type Persona =
  | "day worker"
  | "admin"
  | "night shift"
  | "remote"
  | "traveller"
  | "roaming laptop"
  | "new hire"
  | "service account";

export interface Person {
  name: string;
  uid: number;
  site: Site;
  persona: Persona;
  admin: boolean;
  /** Start of the working day in the person's local time, hours. */
  startHour: number;
  hours: number;
  remote: boolean;
  /** Remote workers on the VPN show up from the VPN pool, the others from their home ISP. */
  vpn: boolean;
  homeIp: string;
  /** Day (0-based) a business trip starts, and its length; null when the person does not travel. */
  trip: { day: number; days: number } | null;
  roaming: boolean;
  /** Day the account is created (new hires); 0 for everyone else. */
  hiredOn: number;
  typoRate: number;
  laptop: string;
  phone: string;
}

export interface AccessPoint {
  host: string;
  bssid: string;
  site: Site;
}

export interface Organisation {
  people: Person[];
  bastions: { host: string; site: Site; internalIp: string }[];
  servers: string[];
  accessPoints: AccessPoint[];
}

const FIRST = [
  "alice",
  "bruno",
  "chen",
  "dana",
  "emre",
  "farah",
  "gita",
  "hugo",
  "ines",
  "jonas",
  "kofi",
  "lena",
  "mateo",
  "nora",
  "omar",
  "priya",
  "quinn",
  "rosa",
  "sven",
  "tara",
  "umar",
  "vera",
  "wei",
  "yara",
  "zoe",
];
const LAST = [
  "martin",
  "smith",
  "tan",
  "kumar",
  "dubois",
  "okafor",
  "nguyen",
  "rossi",
  "silva",
  "novak",
  "haddad",
  "lee",
  "meyer",
  "ito",
  "olsen",
];

/** Residential and carrier prefixes: addresses people legitimately come from. */
const ISP_PREFIXES = [
  "82.64",
  "86.245",
  "90.112",
  "73.162",
  "98.207",
  "24.6",
  "176.250",
  "151.43",
  "103.21",
  "49.207",
  "117.200",
  "122.171",
];
export const CARRIER_PREFIXES = ["172.58", "92.40", "100.36", "49.36", "106.210"];
export const HOTEL_PREFIXES = ["64.124", "212.58", "203.116", "80.149", "195.12"];

export function publicIp(dice: Dice, prefixes: readonly string[]): string {
  return `${dice.pick(prefixes)}.${dice.int(1, 254)}.${dice.int(2, 253)}`;
}

function pickSite(dice: Dice, sites: readonly Site[]): Site {
  let r = dice.next();
  for (const site of sites) {
    r -= site.share;
    if (r < 0) return site;
  }
  return sites[sites.length - 1] as Site;
}

export function buildOrganisation(shape: OrgShape, dice: Dice): Organisation {
  const people: Person[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < shape.users; i++) {
    let name = `${dice.pick(FIRST)}.${dice.pick(LAST)}`;
    while (taken.has(name)) name = `${name.split(/\d/)[0]}${dice.int(2, 99)}`;
    taken.add(name);
    const r = dice.next();
    const admin = r < shape.adminShare;
    const night = !admin && r < shape.adminShare + shape.nightShare;
    const remote = !night && dice.chance(shape.remoteShare);
    const traveller = !night && dice.chance(shape.travellerShare);
    const roaming = !night && !traveller && dice.chance(shape.roamingShare);
    const hiredOn = i >= shape.users - shape.newHires ? dice.int(1, 3) : 0;
    const persona: Persona =
      hiredOn > 0
        ? "new hire"
        : admin
          ? "admin"
          : night
            ? "night shift"
            : traveller
              ? "traveller"
              : roaming
                ? "roaming laptop"
                : remote
                  ? "remote"
                  : "day worker";
    people.push({
      name,
      uid: 1000 + i,
      site: pickSite(dice, shape.sites),
      persona,
      // The last new hire is an administrator: their first sudo is legitimate and new.
      admin: admin || (hiredOn > 0 && i === shape.users - 1),
      startHour: night ? dice.int(21, 23) : dice.int(7, 10) + dice.pick([0, 0.25, 0.5]),
      hours: night ? 8 : dice.int(8, 10),
      remote,
      vpn: dice.chance(0.6),
      homeIp: publicIp(dice, ISP_PREFIXES),
      trip: traveller ? { day: dice.int(1, shape.days - 3), days: dice.int(1, 3) } : null,
      roaming,
      hiredOn,
      typoRate: dice.pick([0.02, 0.05, 0.05, 0.1, 0.2]),
      laptop: dice.mac(),
      phone: dice.mac(),
    });
  }
  const bastions = shape.sites.map((site, i) => ({
    host: `bastion-${site.code}-1`,
    site,
    internalIp: `10.0.${i}.10`,
  }));
  const roles = ["app", "db", "cache", "ci", "web", "queue"];
  const servers = Array.from(
    { length: shape.servers },
    (_, i) => `${roles[i % roles.length]}-${String(Math.floor(i / roles.length) + 1).padStart(2, "0")}`,
  );
  const accessPoints = shape.sites.flatMap((site) =>
    Array.from({ length: site.wifiAps }, (_, i) => ({
      host: `ap-${site.code}-${i + 1}`,
      bssid: dice.mac(),
      site,
    })),
  );
  return { people, bastions, servers, accessPoints };
}
