import { BlockList, isIP } from "node:net";

export type NetworkClass = "private" | "loopback" | "link_local" | "reserved" | "multicast" | "public";

export interface NetworkInfo {
  ip: string;
  version: 4 | 6;
  classification: NetworkClass;
  /** The first configured internal subnet holding the address, by name. */
  subnet: string | null;
  internal: boolean;
}

function blockList(ranges: [string, number, "ipv4" | "ipv6"][]): BlockList {
  const list = new BlockList();
  for (const [net, bits, type] of ranges) list.addSubnet(net, bits, type);
  return list;
}

// RFC 1918 / 6598 / 4193 private ranges, and the IANA special-purpose blocks that are never public.
const PRIVATE = blockList([
  ["10.0.0.0", 8, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["100.64.0.0", 10, "ipv4"],
  ["fc00::", 7, "ipv6"],
]);
const LOOPBACK = blockList([
  ["127.0.0.0", 8, "ipv4"],
  ["::1", 128, "ipv6"],
]);
const LINK_LOCAL = blockList([
  ["169.254.0.0", 16, "ipv4"],
  ["fe80::", 10, "ipv6"],
]);
const MULTICAST = blockList([
  ["224.0.0.0", 4, "ipv4"],
  ["ff00::", 8, "ipv6"],
]);
const RESERVED = blockList([
  ["0.0.0.0", 8, "ipv4"],
  ["192.0.0.0", 24, "ipv4"],
  ["192.0.2.0", 24, "ipv4"],
  ["198.18.0.0", 15, "ipv4"],
  ["198.51.100.0", 24, "ipv4"],
  ["203.0.113.0", 24, "ipv4"],
  ["240.0.0.0", 4, "ipv4"],
  ["::", 128, "ipv6"],
  ["2001:db8::", 32, "ipv6"],
]);

/** Classifies addresses, with the operator's named internal subnets (TRIAGE_INTERNAL_SUBNETS). */
export class NetworkClassifier {
  readonly #subnets: [string, BlockList][];

  constructor(subnets: Record<string, string>) {
    this.#subnets = Object.entries(subnets).map(([name, cidr]) => {
      const [net = "", bits = "0"] = cidr.split("/");
      const type = isIP(net) === 6 ? "ipv6" : "ipv4";
      return [name, blockList([[net, Number(bits), type]])];
    });
  }

  // BlockList checks build a SocketAddress each time; alerts repeat addresses, so results are memoised.
  readonly #memo = new Map<string, NetworkInfo | null>();

  classify(raw: string): NetworkInfo | null {
    let info = this.#memo.get(raw);
    if (info !== undefined) return info;
    info = this.#classify(raw);
    if (this.#memo.size >= 50_000) this.#memo.clear();
    this.#memo.set(raw, info);
    return info;
  }

  #classify(raw: string): NetworkInfo | null {
    // IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
    const ip = raw.trim().replace(/^::ffff:(?=\d+\.)/i, "");
    const version = isIP(ip);
    if (version === 0) return null;
    const type = version === 4 ? "ipv4" : "ipv6";
    let classification: NetworkClass = "public";
    if (LOOPBACK.check(ip, type)) classification = "loopback";
    else if (PRIVATE.check(ip, type)) classification = "private";
    else if (LINK_LOCAL.check(ip, type)) classification = "link_local";
    else if (MULTICAST.check(ip, type)) classification = "multicast";
    else if (RESERVED.check(ip, type)) classification = "reserved";
    const subnet = this.#subnets.find(([, list]) => list.check(ip, type))?.[0] ?? null;
    return {
      ip,
      version: version as 4 | 6,
      classification,
      subnet,
      internal: subnet !== null || classification === "private" || classification === "loopback",
    };
  }
}
