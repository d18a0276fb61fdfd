import { BlockList, isIP } from "node:net";

/**
 * Addresses that say nothing about an end user: loopback (Okta's Preview sends 127.0.0.1),
 * private, shared (carrier NAT), link-local, unspecified, multicast, reserved and documentation
 * ranges (RFC 6890's special-purpose registries), IPv4 and IPv6.
 */
const notPublicIpv6 = new BlockList();
for (const [network, prefix] of [
  ["::", 127],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  notPublicIpv6.addSubnet(network, prefix, "ipv6");
}

/** Whether an IPv4 address (by its first three octets) is outside every special-purpose range. */
function isPublicIpv4(a: number, b: number, c: number): boolean {
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false; // this network, private, loopback, multicast, reserved
  if (a === 100 && b >= 64 && b <= 127) return false; // shared address space (carrier NAT)
  if (a === 169 && b === 254) return false; // link-local
  if (a === 172 && b >= 16 && b <= 31) return false; // private
  if (a === 192 && b === 168) return false; // private
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF assignments, documentation
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return false; // documentation
  return true;
}

const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address itself when it is a public IPv4 or IPv6 address, else undefined. */
export function publicIpAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const address = value.trim();
  const octets = ipv4.exec(address);
  if (octets !== null) {
    const [a, b, c, d] = octets.slice(1).map(Number) as [number, number, number, number];
    if (a > 255 || b > 255 || c > 255 || d > 255 || /(^|\.)0\d/.test(address)) return undefined;
    return isPublicIpv4(a, b, c) ? address : undefined;
  }
  if (isIP(address) !== 6) return undefined;
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return publicIpAddress(mapped) === undefined ? undefined : address;
  return notPublicIpv6.check(address, "ipv6") ? undefined : address;
}
