import type { Anomaly } from "../../core/anomaly.js";
import type { Detector, DetectorDefinition, DetectorStatus } from "../../core/detector.js";
import { isJsonObject, type JsonValue } from "../../core/json.js";
import type { ParsedRecord } from "../../core/log-record.js";
import { LruMap } from "../lru.js";
import { authEventOf } from "./auth-event.js";
import { networkOf } from "./network.js";
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
  maxKeys: number;
}

interface UserState {
  logins: number;
  firstAt: number;
  /** network → [last seen ms, logins from it]. */
  networks: LruMap<string, [number, number]>;
  /** Wider blocks the user's networks belong to → last seen ms. */
  blocks: LruMap<string, number>;
}

/**
 * A successful login for a user from a network never seen for that user, once the user's habits are
 * known (warm-up per user). Each new network is reported once and then learned.
 */
export class NewSourceIpDetector implements Detector {
  readonly name = "new_source_ip";
  readonly #users: LruMap<string, UserState>;
  /** network → users seen logging in from it (capped at `sharedNetworkUsers`). */
  readonly #networks: LruMap<string, number>;

  constructor(readonly options: NewSourceIpOptions) {
    this.#users = new LruMap(options.maxKeys);
    this.#networks = new LruMap(options.maxKeys);
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    for (const record of batch) {
      const event = authEventOf(record);
      if (event?.kind !== "login" || event.outcome !== "success") continue;
      if (!event.user || !event.sourceIp) continue;
      const user = this.#users.upsert(event.user, () => ({
        logins: 0,
        firstAt: event.at,
        networks: new LruMap(this.options.maxNetworksPerUser),
        blocks: new LruMap(this.options.maxNetworksPerUser),
      }));
      const network = networkOf(event.sourceIp, this.options.prefixV4);
      const block = this.#blockOf(event.sourceIp);
      const knownBlock = block !== null && user.blocks.has(block);
      if (block !== null) user.blocks.set(block, event.at);
      const known = user.networks.get(network);
      const warm = this.#warm(user, event.at);
      user.logins++;
      if (known) {
        known[0] = event.at;
        known[1]++;
        continue;
      }
      const habits = [...user.networks.entries()].sort((a, b) => b[1][1] - a[1][1]);
      user.networks.set(network, [event.at, 1]);
      const sharedBy = this.#networks.get(network) ?? 0;
      this.#networks.set(network, Math.min(sharedBy + 1, this.options.sharedNetworkUsers));
      if (!warm || knownBlock || sharedBy >= this.options.sharedNetworkUsers) continue;
      // The more logins all from known networks, the stranger a new one.
      const score = Math.min(0.85, 0.55 + 0.1 * Math.log10(user.logins));
      out.push(
        securityAnomaly({
          detector: this.name,
          record,
          key: `user:${event.user}`,
          score,
          features: {
            user: event.user,
            source_ip: event.sourceIp,
            network,
            known_networks: habits.length,
            logins_seen: user.logins - 1,
            other_users_on_network: sharedBy,
          },
          explanation: {
            summary: `Login for ${event.user} from ${event.sourceIp}, a network (${network}) not seen in ${user.logins - 1} earlier logins`,
            observed: { source_ip: event.sourceIp, network },
            expected: { known_networks: habits.slice(0, 5).map(([n]) => n) },
            contributions: habits
              .slice(0, 5)
              .map(([n, [, c]]) => ({ name: "known_network", value: n, weight: c / (user.logins - 1) })),
            samples: [record.body],
          },
          evidence: [record.id],
        }),
      );
    }
    return out;
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
      users: [...this.#users.entries()].map(([name, u]) => ({
        name,
        logins: u.logins,
        firstAt: u.firstAt,
        networks: [...u.networks.entries()].map(([n, [at, c]]) => [n, at, c]),
        blocks: [...u.blocks.entries()],
      })),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !Array.isArray(state.users)) return;
    if (Array.isArray(state.networks)) {
      for (const n of state.networks) if (Array.isArray(n)) this.#networks.set(String(n[0]), Number(n[1]));
    }
    for (const u of state.users) {
      if (!isJsonObject(u) || typeof u.name !== "string" || !Array.isArray(u.networks)) continue;
      const networks = new LruMap<string, [number, number]>(this.options.maxNetworksPerUser);
      for (const n of u.networks)
        if (Array.isArray(n)) networks.set(String(n[0]), [Number(n[1]), Number(n[2])]);
      const blocks = new LruMap<string, number>(this.options.maxNetworksPerUser);
      if (Array.isArray(u.blocks)) {
        for (const b of u.blocks) if (Array.isArray(b)) blocks.set(String(b[0]), Number(b[1]));
      } else {
        // State saved before blocks: the blocks of the networks it knew.
        for (const [n, [at]] of networks.entries()) {
          const block = this.#blockOf(n.slice(0, n.indexOf("/")));
          if (block !== null) blocks.set(block, at);
        }
      }
      this.#users.set(u.name, { logins: Number(u.logins), firstAt: Number(u.firstAt), networks, blocks });
    }
  }
}

export const newSourceIpDefinition: DetectorDefinition<NewSourceIpOptions> = {
  name: "new_source_ip",
  description: "A successful login for a user from a network never seen for that user (after warm-up).",
  parseOptions: (raw) => raw as NewSourceIpOptions,
  create: (options) => new NewSourceIpDetector(options),
};
