import { BlockList, isIP } from "node:net";

/**
 * Addresses that say nothing about an end user: loopback (Okta's Preview sends 127.0.0.1),
 * private, shared (carrier NAT), link-local, unspecified, multicast, reserved and documentation
 * ranges (RFC 6890's special-purpose registries), IPv4 and IPv6.
 */
const notPublic = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 3],
] as const) {
  notPublic.addSubnet(network, prefix, "ipv4");
}
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
  notPublic.addSubnet(network, prefix, "ipv6");
}

/** The address itself when it is a public IPv4 or IPv6 address, else undefined. */
export function publicIpAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const address = value.trim();
  const version = isIP(address);
  if (version === 0) return undefined;
  if (version === 6) {
    // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (mapped !== undefined) return publicIpAddress(mapped) === undefined ? undefined : address;
    return notPublic.check(address, "ipv6") ? undefined : address;
  }
  return notPublic.check(address, "ipv4") ? undefined : address;
}
