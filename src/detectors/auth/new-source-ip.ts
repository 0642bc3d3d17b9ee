import type { Anomaly } from "../../core/anomaly.js";
import type { Detector, DetectorDefinition, DetectorStatus } from "../../core/detector.js";
import { isJsonObject, type JsonValue } from "../../core/json.js";
import type { ParsedRecord } from "../../core/log-record.js";
import { DAY_MS } from "../../core/time.js";
import { UndoLog } from "../../core/undo.js";
import { LruMap } from "../lru.js";
import { type AuthEvent, authEventsOf, isPolledLogin } from "./auth-event.js";
import { isPublicAddress, networkOf } from "./network.js";
import { securityAnomaly } from "./security-anomaly.js";

export interface NewSourceIpOptions {
  /** Successful logins a user must have before a new network is worth reporting… */
  warmupLogins: number;
  /** …over at least this much record time since the user's first one. */
  warmupSecs: number;
  /** IPv4 prefix length compared (24: a changed last octet is the same network). IPv6 uses /64. */
  prefixV4: number;
  /**
   * The wider block a network belongs to (16: a mobile carrier's or a site's pool; IPv6 /48): a new
   * network inside a block the user already logs in from is a new lease, not a new place. 0: off.
   */
  blockPrefixV4: number;
  /** Networks remembered per user (least recently used dropped). */
  maxNetworksPerUser: number;
  /** A network other users already log in from this often (office, VPN) is not new for anyone. */
  sharedNetworkUsers: number;
  /**
   * A new network reached with an SSH key the user already logs in with is not reported: the device is
   * familiar, only the place is new (a trip, a new home router). Sign-in risk engines judge several
   * properties together the same way. Only for a user who has logged in from the internet before: for
   * someone only ever seen inside (office, VPN), a first login from outside is what a stolen key looks
   * like, and the key does not make it silent.
   */
  trustKnownKeys: boolean;
  maxKeys: number;
}

interface UserState {
  logins: number;
  firstAt: number;
  /** network → [last seen ms, logins from it]. */
  networks: LruMap<string, [number, number]>;
  /** Wider blocks the user's networks belong to → [last seen ms, first seen ms, vouches (1) or not yet (0)]. */
  blocks: LruMap<string, [number, number, number]>;
  /** SSH key fingerprints the user logged in with from networks that raised nothing → last seen ms. */
  keys: LruMap<string, number>;
  /** Logins from public (internet) addresses: zero for someone only ever seen in the office or on the VPN. */
  outside: number;
  /** Different UTC days with a login from inside (office, VPN), and the latest of them (a day number). */
  insideDays: number;
  lastInsideDay: number;
}

/**
 * Earlier days (before the login's own) a user must have been seen only inside before their first login
 * from outside BY PASSWORD is reported while they are still warming up. Someone who works from home some
 * days shows it in their first days (their first day at home is most new users' first login from
 * outside: the security benchmark's hybrid staff, 2.9 false alerts a day when one earlier day sufficed);
 * inside on two separate days before, always, the habit is the office's, and a password used from a
 * provider no colleague vouches for is what stolen credentials look like.
 */
const INSIDE_DAYS_FOR_PASSWORD = 2;

/** sshd's authentication methods, worth naming in a finding (a JSON record's `login` event type is not). */
const SSH_METHODS = /^(password|publickey|keyboard-interactive|hostbased|gssapi)/;

/** SSH keys remembered per user: people use one or two devices, a few keys at most. */
const KEYS_PER_USER = 8;

/** What the organisation knows of a wider block (both counts capped at `sharedNetworkUsers`). */
interface BlockPeers {
  /** Users who logged in from it. */
  users: number;
  /** Users who vouch for it (see `#learnBlock`). */
  vouched: number;
}

/**
 * Logins from a block this far apart are separate sessions: the block is a habit of the user's, which
 * one session (an attacker's, once in) never makes it.
 */
const HABIT_MS = 4 * 3_600_000;

/**
 * A successful login for a user from a network never seen for that user, once the user's habits are
 * known (warm-up per user). Each new network is reported once and then learned.
 */
export class NewSourceIpDetector implements Detector {
  readonly name = "new_source_ip";
  readonly undo = new UndoLog();
  readonly #users: LruMap<string, UserState>;
  /** network → users seen logging in from it (capped at `sharedNetworkUsers`). */
  readonly #networks: LruMap<string, number>;
  /** block → the users who log in from it (peer baseline). */
  readonly #blocks: LruMap<string, BlockPeers>;

  constructor(readonly options: NewSourceIpOptions) {
    // A user's copy shares their network and block maps, which journal their own keys.
    this.#users = new LruMap<string, UserState>(options.maxKeys).recordTo(this.undo, (u) => ({ ...u }));
    this.#networks = new LruMap<string, number>(options.maxKeys).recordTo(this.undo, (n) => n);
    this.#blocks = new LruMap<string, BlockPeers>(options.maxKeys).recordTo(this.undo, (b) => ({ ...b }));
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    const events = authEventsOf(batch);
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      const event = events[i] ?? null;
      if (event?.kind !== "login" || event.outcome !== "success") continue;
      if (!event.user || !event.sourceIp) continue;
      // A mail client's logins follow the phone from network to network by themselves (`isPolledLogin`):
      // they would report every carrier a phone roams to and teach the user networks nobody logged in
      // from. VPN, FTP and sshd logins are a person's, and judged.
      if (isPolledLogin(event)) continue;
      const user = this.#users.upsert(event.user, () => ({
        logins: 0,
        firstAt: event.at,
        networks: this.#userNetworks(),
        blocks: this.#userBlocks(),
        keys: this.#userKeys(),
        outside: 0,
        insideDays: 0,
        lastInsideDay: Number.NaN,
      }));
      const block = this.#blockOf(event.sourceIp);
      // The organisation as it was when the login happened: judged on it, then taught by it.
      const peers = block === null ? undefined : this.#blocks.get(block);
      const warm = this.#warm(user, event.at);
      // A first login from outside by someone still warming up, until now seen only inside, was not judged:
      // it must not vouch for its block at once (an attacker's login, unreported for that reason, would make
      // the block a known place for the next user's stolen key). Its habit over hours still can.
      const unjudgedOutside =
        !warm && user.logins > 0 && user.outside === 0 && isPublicAddress(event.sourceIp);
      const finding = this.#judge(record, event, user, block, peers, warm);
      if (finding) out.push(finding);
      if (block !== null) this.#learnBlock(user, block, peers, event.at, finding !== null || unjudgedOutside);
      // A key is the user's once it logged in without raising anything: a key an intruder added after
      // a reported login does not vouch for the next new network.
      if (event.keyFingerprint !== null && finding === null) user.keys.set(event.keyFingerprint, event.at);
    }
    return out;
  }

  #userNetworks(): UserState["networks"] {
    return new LruMap<string, [number, number]>(this.options.maxNetworksPerUser).recordTo(
      this.undo,
      ([a, b]) => [a, b],
    );
  }

  #userKeys(): UserState["keys"] {
    return new LruMap<string, number>(KEYS_PER_USER).recordTo(this.undo, (at) => at);
  }

  #userBlocks(): UserState["blocks"] {
    return new LruMap<string, [number, number, number]>(this.options.maxNetworksPerUser).recordTo(
      this.undo,
      ([a, b, c]) => [a, b, c],
    );
  }

  /** Counts the login in the user's networks and returns the finding when the network is new. */
  #judge(
    record: ParsedRecord,
    event: AuthEvent,
    user: UserState,
    block: string | null,
    peers: BlockPeers | undefined,
    warm: boolean,
  ): Anomaly | null {
    const { at } = event;
    const name = event.user!;
    const ip = event.sourceIp!;
    const network = networkOf(ip, this.options.prefixV4);
    const knownBlock = block !== null && user.blocks.has(block);
    const known = user.networks.get(network);
    // Only ever seen inside, on more than one day: short as it is, the history already says where they work.
    const insideHabit =
      user.outside === 0 && user.logins >= 2 && at - user.firstAt >= this.options.warmupSecs * 1000;
    const outside = isPublicAddress(ip);
    // Whether they had logged in from the internet before this login: trust in a key is earned there.
    const roamed = user.outside > 0;
    const day = Math.floor(at / DAY_MS);
    // Days seen inside before today's: today's inside logins do not make a habit of their own.
    const earlierInsideDays = user.insideDays - (user.lastInsideDay === day ? 1 : 0);
    user.logins++;
    if (outside) user.outside++;
    else if (user.lastInsideDay !== day) {
      user.insideDays++;
      user.lastInsideDay = day;
    }
    if (known) {
      known[0] = at;
      known[1]++;
      return null;
    }
    const habits = [...user.networks.entries()].sort((a, b) => b[1][1] - a[1][1]);
    user.networks.set(network, [at, 1]);
    const sharedBy = this.#networks.get(network) ?? 0;
    this.#networks.set(network, Math.min(sharedBy + 1, this.options.sharedNetworkUsers));
    if (knownBlock || sharedBy >= this.options.sharedNetworkUsers) return null;
    // A provider several colleagues log in from (a carrier, a home ISP, a partner's VPN) is not a new
    // place for the organisation, whoever shows up on it first.
    if ((peers?.vouched ?? 0) >= this.options.sharedNetworkUsers) return null;
    const firstOutside = outside && !roamed;
    // A colleague's logins vouch for the block: a hotel or a conference the organisation goes to.
    const placeKnown = (peers?.vouched ?? 0) > 0;
    const knownKey = event.keyFingerprint !== null && user.keys.has(event.keyFingerprint);
    // A user still warming up is not judged: working from home on an ISP's block no colleague uses is most
    // new users' first week (security benchmark: 9.9 → 23.6 false alerts a day when such logins were
    // reported). Except an SSH key, after logins all inside over more than a day, used for the first time
    // from outside where no colleague vouches: a short history has not earned their key trust out there
    // (a copied key is used exactly so), and a key never seen for them earns none. (By password, such a
    // login is hybrid staff's first day at home as often: reporting those too took the security benchmark
    // from 9.9 to 12.7 false alerts a day.)
    const shortHistoryKeyAbroad = event.keyFingerprint !== null && firstOutside && insideHabit && !placeKnown;
    // Whatever the credential, after inside days enough to be their habit (`INSIDE_DAYS_FOR_PASSWORD`).
    const shortHistoryAbroad =
      firstOutside && insideHabit && !placeKnown && earlierInsideDays >= INSIDE_DAYS_FOR_PASSWORD;
    if (!warm && !shortHistoryKeyAbroad && !shortHistoryAbroad) return null;
    // A first login from outside with their own key is trusted only where the place is known; a block
    // nobody here vouches for is where a copied key is used from.
    if (this.options.trustKnownKeys && knownKey && (!firstOutside || placeKnown)) return null;
    // An address on the internet, in a block nobody here has ever logged in from.
    const unseenByAll = block !== null && peers === undefined && isPublicAddress(ip);
    // The more logins all from known networks, the stranger a new one; nobody's provider is stranger still.
    // Their own key, first time outside: reported, but the key (their device, or a copy of it) tempers it.
    const score = Math.min(
      0.85,
      0.55 + 0.1 * Math.log10(user.logins) + (unseenByAll ? 0.05 : 0) - (knownKey ? 0.05 : 0),
    );
    const context = unseenByAll
      ? `, in a block (${block}) nobody in the organisation has logged in from`
      : peers
        ? `; ${peers.users} other user(s) logged in from its block (${block}), ${peers.vouched} without raising a finding`
        : "";
    const how =
      event.keyFingerprint !== null
        ? knownKey
          ? ` with their usual key (${event.keyFingerprint})`
          : `, with a key (${event.keyFingerprint}) not seen for them before`
        : event.method !== null && SSH_METHODS.test(event.method)
          ? ` by ${event.method}`
          : "";
    // Said whatever the credential: for someone only ever seen inside it is why the login is reported.
    const credential = firstOutside
      ? `${how}, their first login from outside (until now only office or VPN addresses)`
      : how;
    return securityAnomaly({
      detector: this.name,
      record,
      key: `user:${name}`,
      score,
      features: {
        user: name,
        source_ip: ip,
        network,
        known_networks: habits.length,
        logins_seen: user.logins - 1,
        user_warmed_up: warm,
        other_users_on_network: sharedBy,
        other_users_in_block: peers?.users ?? 0,
        method: event.method,
        key_fingerprint: event.keyFingerprint,
        known_keys: user.keys.size,
        known_key: knownKey,
        first_outside: firstOutside,
        earlier_inside_days: earlierInsideDays,
      },
      explanation: {
        summary: `Login for ${name} from ${ip}${credential}, a network (${network}) not seen in ${user.logins - 1} earlier logins${context}`,
        observed: { source_ip: ip, network },
        expected: { known_networks: habits.slice(0, 5).map(([n]) => n) },
        contributions: habits
          .slice(0, 5)
          .map(([n, [, c]]) => ({ name: "known_network", value: n, weight: c / (user.logins - 1) })),
        samples: [record.body],
      },
      evidence: [record.id],
    });
  }

  /** The wider block of an address, or null when blocks are off (or it is the network itself). */
  #blockOf(ip: string): string | null {
    const bits = this.options.blockPrefixV4;
    if (bits <= 0 || bits >= this.options.prefixV4) return null;
    if (ip.includes(":") && !ip.toLowerCase().startsWith("::ffff:")) {
      const groups = networkOf(ip).replace("::/64", "").split(":");
      return groups.length === 4 ? `${groups.slice(0, 3).join(":")}::/48` : null;
    }
    return networkOf(ip, bits);
  }

  /**
   * Counts the login in the user's blocks and the organisation's. A colleague vouches for a block when
   * their first login from it raised nothing, or once their logins from it span separate sessions
   * (`HABIT_MS`): an attacker's logins, reported and one session each, never vouch.
   */
  #learnBlock(
    user: UserState,
    block: string,
    known: BlockPeers | undefined,
    at: number,
    reported: boolean,
  ): void {
    const cap = this.options.sharedNetworkUsers;
    const seen = user.blocks.get(block);
    const peers = known ?? { users: 0, vouched: 0 };
    if (!seen) {
      user.blocks.set(block, [at, at, reported ? 0 : 1]);
      this.#blocks.set(block, {
        users: Math.min(cap, peers.users + 1),
        vouched: Math.min(cap, peers.vouched + (reported ? 0 : 1)),
      });
      return;
    }
    seen[0] = at;
    if (seen[2] === 0 && at - seen[1] >= HABIT_MS) {
      seen[2] = 1;
      this.#blocks.set(block, { users: peers.users, vouched: Math.min(cap, peers.vouched + 1) });
    }
  }

  #warm(user: UserState, at: number): boolean {
    return user.logins >= this.options.warmupLogins && at - user.firstAt >= this.options.warmupSecs * 1000;
  }

  status(): DetectorStatus {
    let warm = 0;
    for (const u of this.#users.values()) if (u.logins >= this.options.warmupLogins) warm++;
    const total = this.#users.size;
    return {
      name: this.name,
      phase: warm > 0 ? "active" : "learning",
      detail:
        warm > 0
          ? `${warm} of ${total} user(s) past warm-up; ${total - warm} still learning their networks`
          : `warming up: no user has ${this.options.warmupLogins} successful logins yet (${total} user(s) seen)`,
    };
  }

  exportState(): JsonValue {
    return {
      version: 1,
      networks: [...this.#networks.entries()],
      blocks: [...this.#blocks.entries()].map(([b, p]) => [b, p.users, p.vouched]),
      users: [...this.#users.entries()].map(([name, u]) => ({
        name,
        logins: u.logins,
        firstAt: u.firstAt,
        networks: [...u.networks.entries()].map(([n, [at, c]]) => [n, at, c]),
        blocks: [...u.blocks.entries()].map(([b, [at, first, vouches]]) => [b, at, first, vouches]),
        keys: [...u.keys.entries()],
        outside: u.outside,
        insideDays: u.insideDays,
        lastInsideDay: Number.isFinite(u.lastInsideDay) ? u.lastInsideDay : null,
      })),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !Array.isArray(state.users)) return;
    if (Array.isArray(state.networks)) {
      for (const n of state.networks) if (Array.isArray(n)) this.#networks.set(String(n[0]), Number(n[1]));
    }
    // State saved before the peer baseline has no blocks: the organisation learns them again from traffic.
    if (Array.isArray(state.blocks)) {
      for (const b of state.blocks)
        if (Array.isArray(b)) this.#blocks.set(String(b[0]), { users: Number(b[1]), vouched: Number(b[2]) });
    }
    for (const u of state.users) {
      if (!isJsonObject(u) || typeof u.name !== "string" || !Array.isArray(u.networks)) continue;
      const networks = this.#userNetworks();
      for (const n of u.networks)
        if (Array.isArray(n)) networks.set(String(n[0]), [Number(n[1]), Number(n[2])]);
      const blocks = this.#userBlocks();
      if (Array.isArray(u.blocks)) {
        // [block, last seen] before first-seen times and vouches were kept: first seen then, not vouching.
        for (const b of u.blocks)
          if (Array.isArray(b))
            blocks.set(String(b[0]), [Number(b[1]), Number(b[2] ?? b[1]), Number(b[3] ?? 0)]);
      } else {
        // State saved before blocks: the blocks of the networks it knew.
        for (const [n, [at]] of networks.entries()) {
          const block = this.#blockOf(n.slice(0, n.indexOf("/")));
          if (block !== null) blocks.set(block, [at, at, 0]);
        }
      }
      // State saved before keys were kept: the user's keys are learned again from their next logins.
      const keys = this.#userKeys();
      if (Array.isArray(u.keys))
        for (const k of u.keys) if (Array.isArray(k)) keys.set(String(k[0]), Number(k[1]));
      this.#users.set(u.name, {
        logins: Number(u.logins),
        firstAt: Number(u.firstAt),
        networks,
        blocks,
        keys,
        // State saved before it was kept: the public networks the user is known on say whether they roamed.
        outside:
          typeof u.outside === "number"
            ? u.outside
            : [...networks.keys()].filter((n) => isPublicAddress(n.slice(0, n.indexOf("/")))).length,
        // State saved before inside days were counted: none known, learned again from the next logins.
        insideDays: typeof u.insideDays === "number" ? u.insideDays : 0,
        lastInsideDay: typeof u.lastInsideDay === "number" ? u.lastInsideDay : Number.NaN,
      });
    }
  }
}

export const newSourceIpDefinition: DetectorDefinition<NewSourceIpOptions> = {
  name: "new_source_ip",
  description: "A successful login for a user from a network never seen for that user (after warm-up).",
  create: (options) => new NewSourceIpDetector(options),
};
