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
