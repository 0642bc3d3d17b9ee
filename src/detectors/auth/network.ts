/**
 * The network an address belongs to, at `v4Bits` for IPv4 (default /24) and /64 for IPv6: a user whose
 * DHCP lease changes the last octet is still "at home", so rules compare networks, not addresses.
 * Returns the address itself when it does not parse.
 */
export function networkOf(ip: string, v4Bits = 24): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.replace(/^::ffff:/i, ""));
  if (v4) {
    const n = v4.slice(1).reduce((acc, o) => acc * 256 + Number(o), 0);
    const bits = Math.min(32, Math.max(0, v4Bits));
    const masked = bits === 0 ? 0 : Math.floor(n / 2 ** (32 - bits)) * 2 ** (32 - bits);
    const octets = [24, 16, 8, 0].map((s) => Math.floor(masked / 2 ** s) % 256);
    return `${octets.join(".")}/${bits}`;
  }
  if (ip.includes(":")) {
    const [head = "", tail = ""] = ip.toLowerCase().split("::");
    const h = head ? head.split(":") : [];
    const t = tail ? tail.split(":") : [];
    const groups = ip.includes("::")
      ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t]
      : h;
    if (groups.length === 8 && groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) {
      return `${groups
        .slice(0, 4)
        .map((g) => g.replace(/^0+(?=.)/, ""))
        .join(":")}::/64`;
    }
  }
  return ip;
}

/**
 * Whether an address is routable on the internet: not private (RFC 1918, IPv6 ULA), carrier-grade NAT
 * (100.64/10), loopback, link-local or unspecified. An address that does not parse counts as public, so
 * nothing unknown is taken for an inside one.
 */
export function isPublicAddress(ip: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(ip.replace(/^::ffff:/i, ""));
  if (v4) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    if (a === 10 || a === 127 || a === 0) return false;
    if (a === 172 && b >= 16 && b <= 31) return false;
    if (a === 192 && b === 168) return false;
    if (a === 169 && b === 254) return false;
    if (a === 100 && b >= 64 && b <= 127) return false;
    return true;
  }
  const v6 = ip.toLowerCase();
  if (v6 === "::1" || v6 === "::") return false;
  return !/^(f[cd][0-9a-f]{2}|fe[89ab][0-9a-f]):/.test(v6);
}
