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
