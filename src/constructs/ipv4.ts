/** Small IPv4 CIDR arithmetic for subnet planning (no dependency, no tokens). */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefixLength: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Parse `a.b.c.d/n`. Returns the parsed CIDR, or a reason it is not one.
 * Host bits must be zero: `10.0.0.1/16` is rejected with the network it meant.
 */
export function parseIpv4Cidr(text: string): Ipv4Cidr | { readonly error: string } {
  const m = CIDR_PATTERN.exec(text);
  if (!m) return { error: 'expected an IPv4 CIDR such as "10.0.0.0/16"' };
  // Terraform's AWS provider (Go's net.ParseCIDR) refuses leading zeros, and "010.0.0.0" reads as octal elsewhere.
  if (m.slice(1, 6).some((part) => part.length > 1 && part.startsWith('0'))) {
    return { error: 'expected an IPv4 CIDR without leading zeros, such as "10.0.0.0/16"' };
  }
  const octets = m.slice(1, 5).map(Number);
  const prefixLength = Number(m[5]);
  if (octets.some((o) => o > 255) || prefixLength > 32) {
    return { error: 'expected an IPv4 CIDR such as "10.0.0.0/16" (octets 0-255, prefix 0-32)' };
  }
  const address = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const network = networkOf(address, prefixLength);
  if (network !== address) {
    return {
      error: `host bits are set; the network address for /${prefixLength} is "${formatIpv4(network)}/${prefixLength}"`,
    };
  }
  return { network, prefixLength };
}

/** The network address of `address` under a /prefixLength mask (plain arithmetic: no 32-bit sign traps). */
export function networkOf(address: number, prefixLength: number): number {
  const size = 2 ** (32 - prefixLength);
  return Math.floor(address / size) * size;
}

export function formatIpv4(address: number): string {
  return [2 ** 24, 2 ** 16, 2 ** 8, 1].map((unit) => Math.floor(address / unit) % 256).join('.');
}

/** The `index`-th block of `/newPrefix` inside `parent`. */
export function subdivide(parent: Ipv4Cidr, newPrefix: number, index: number): string {
  const size = 2 ** (32 - newPrefix);
  return `${formatIpv4(parent.network + index * size)}/${newPrefix}`;
}

/** A named address range, for refusing CIDRs inside it. */
export interface ReservedRange {
  readonly cidr: string;
  readonly name: string;
}

/** @internal ranges no VPC can use: "this network", loopback, link-local, multicast, reserved. */
export const VPC_RESERVED_RANGES: readonly ReservedRange[] = [
  { cidr: '0.0.0.0/8', name: '"this network" 0.0.0.0/8' },
  { cidr: '127.0.0.0/8', name: 'loopback 127.0.0.0/8' },
  { cidr: '169.254.0.0/16', name: 'link-local 169.254.0.0/16' },
  { cidr: '224.0.0.0/4', name: 'multicast 224.0.0.0/4' },
  { cidr: '240.0.0.0/4', name: 'reserved 240.0.0.0/4' },
];

/**
 * @internal
 * Ranges no client connects from, so a security-group rule for them admits
 * nobody (0.0.0.0/0 itself is "anyone" and is not refused).
 */
export const SOURCE_RESERVED_RANGES: readonly ReservedRange[] = VPC_RESERVED_RANGES;

/**
 * @internal
 * Why `cidr` overlaps one of `ranges`, or undefined when it does not. A CIDR
 * that contains a whole range and more (such as 0.0.0.0/0) is not refused.
 */
export function cidrProblem(cidr: Ipv4Cidr, ranges: readonly ReservedRange[]): string | undefined {
  for (const range of ranges) {
    const reserved = parseIpv4Cidr(range.cidr) as Ipv4Cidr;
    const inside = cidr.prefixLength >= reserved.prefixLength && networkOf(cidr.network, reserved.prefixLength) === reserved.network;
    if (inside) return `it lies in the ${range.name} range`;
  }
  return undefined;
}
