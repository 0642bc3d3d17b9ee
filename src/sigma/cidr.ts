/**
 * `cidr`: an address within a network, IPv4 or IPv6. Addresses are parsed to bigints once per rule; an
 * event's value is parsed per test (addresses are short, and only rules that name a `cidr` field pay).
 */
import { isIP } from "node:net";

function ipv4ToBigint(ip: string): bigint {
  let n = 0n;
  for (const part of ip.split(".")) n = (n << 8n) | BigInt(Number(part));
  return n;
}

function ipv6ToBigint(ip: string): bigint {
  let text = ip;
  // An IPv4 tail (`::ffff:10.0.0.1`) is two 16-bit groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigint(v4[1]!);
    text = `${text.slice(0, v4.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, null];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const zeros = tail === null ? [] : new Array(8 - headGroups.length - tailGroups.length).fill("0");
  let n = 0n;
  for (const g of [...headGroups, ...zeros, ...tailGroups]) n = (n << 16n) | BigInt(Number.parseInt(g, 16));
  return n;
}

/** The address as a number and its family (4 or 6), or null when it is not an address. */
export function parseIp(text: string): { family: 4 | 6; value: bigint } | null {
  // `fe80::1%eth0`: the zone names an interface, not part of the address.
  const ip = text.includes("%") ? text.slice(0, text.indexOf("%")) : text;
  const family = isIP(ip);
  if (family === 4) return { family, value: ipv4ToBigint(ip) };
  if (family === 6) return { family, value: ipv6ToBigint(ip) };
  return null;
}

/** A test for `network` (`10.0.0.0/8`, `fe80::/10`); throws on a malformed network. */
export function compileCidr(network: string): (address: string) => boolean {
  const slash = network.indexOf("/");
  const base = parseIp(slash < 0 ? network : network.slice(0, slash));
  if (!base) throw new Error(`'${network}' is not a network`);
  const bits = base.family === 4 ? 32 : 128;
  const prefix = slash < 0 ? bits : Number(network.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits)
    throw new Error(`'${network}' has a bad prefix`);
  const shift = BigInt(bits - prefix);
  const want = base.value >> shift;
  return (address) => {
    const ip = parseIp(address);
    return ip !== null && ip.family === base.family && ip.value >> shift === want;
  };
}
