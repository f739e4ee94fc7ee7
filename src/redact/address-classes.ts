/**
 * The address blocks the redactor keeps: an address inside a `kept` block is written as it is (loopback,
 * link-local IPv4, multicast, unspecified, broadcast and reserved: nothing identifying, and their meaning is
 * in the address itself); an address inside an `inside` block is permuted within it (private, CGNAT,
 * documentation, ULA, ...). Every other address is public and stays public.
 *
 * How: the prefix-preserving permutation is a tree of bit choices; a choice (bit i) is left as it is at every
 * node that is an ancestor of one of these blocks, so each block maps onto itself and the rest of the space
 * (public) onto the rest. The bits an address leaves unchanged are therefore a prefix, whose length depends
 * only on the bits inside it: the same length for an address and its image, which makes the inverse easy.
 */

export type BlockKind = 'kept' | 'inside';

export interface AddressBlock {
  /** The block's first bytes (4 or 16 in all), and its prefix length. */
  bytes: Uint8Array;
  length: number;
  kind: BlockKind;
  name: string;
}

function v4(text: string, length: number, kind: BlockKind, name: string): AddressBlock {
  return { bytes: Uint8Array.from(text.split('.').map(Number)), length, kind, name };
}

function v6(hex: string, length: number, kind: BlockKind, name: string): AddressBlock {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < hex.length / 2; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return { bytes, length, kind, name };
}

export const IPV4_BLOCKS: readonly AddressBlock[] = [
  v4('0.0.0.0', 8, 'kept', 'this network'),
  v4('127.0.0.0', 8, 'kept', 'loopback'),
  v4('169.254.0.0', 16, 'kept', 'link-local'),
  v4('224.0.0.0', 4, 'kept', 'multicast'),
  // Reserved, and where netmasks (255.255.0.0) and the broadcast address live.
  v4('240.0.0.0', 4, 'kept', 'reserved and broadcast'),
  v4('10.0.0.0', 8, 'inside', 'private'),
  v4('172.16.0.0', 12, 'inside', 'private'),
  v4('192.168.0.0', 16, 'inside', 'private'),
  v4('100.64.0.0', 10, 'inside', 'CGNAT'),
  v4('192.0.0.0', 24, 'inside', 'IETF protocol assignments'),
  v4('192.0.2.0', 24, 'inside', 'documentation'),
  v4('198.51.100.0', 24, 'inside', 'documentation'),
  v4('203.0.113.0', 24, 'inside', 'documentation'),
  v4('198.18.0.0', 15, 'inside', 'benchmarking'),
];

export const IPV6_BLOCKS: readonly AddressBlock[] = [
  v6('00000000000000000000000000000000', 128, 'kept', 'unspecified'),
  v6('00000000000000000000000000000001', 128, 'kept', 'loopback'),
  v6('ff', 8, 'kept', 'multicast'),
  // Link-local: the interface identifier is permuted (it may hold the MAC), fe80::/64 kept.
  v6('fe80000000000000', 64, 'inside', 'link-local'),
  v6('fe80', 10, 'inside', 'link-local'),
  v6('fc', 7, 'inside', 'unique local'),
  v6('20010db8', 32, 'inside', 'documentation'),
  v6('0064ff9b', 96, 'inside', 'NAT64'),
  v6('2002', 16, 'inside', '6to4'),
  // IPv4-mapped and IPv4-compatible forms are written with the IPv4 mapping (addresses.ts); the block keeps
  // the rest of ::/80 out of the public space.
  v6('00000000000000000000ffff', 96, 'inside', 'IPv4-mapped'),
  v6('', 80, 'inside', 'reserved'),
];

/** Leading bits two byte strings share, up to `limit`. */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array, limit: number): number {
  for (let i = 0; i < limit; i++) {
    const bit = 0x80 >> (i & 7);
    if ((a[i >> 3]! & bit) !== (b[i >> 3]! & bit)) return i;
  }
  return limit;
}

export interface AddressClass {
  /** The leading bits the permutation leaves unchanged (the whole address for a kept block). */
  frozen: number;
  /** The innermost block the address is in, or undefined when public. */
  block: AddressBlock | undefined;
}

export function classify(address: Uint8Array): AddressClass {
  const blocks = address.length === 4 ? IPV4_BLOCKS : IPV6_BLOCKS;
  const width = address.length * 8;
  let frozen = 0;
  let block: AddressBlock | undefined;
  for (const b of blocks) {
    const shared = commonPrefixLength(address, b.bytes, b.length);
    if (shared >= b.length) {
      if (b.kind === 'kept') return { frozen: width, block: b };
      if (block === undefined || b.length > block.length) block = b;
      frozen = Math.max(frozen, b.length);
    } else {
      // The node at depth `shared` is an ancestor of the block: its choice stays.
      frozen = Math.max(frozen, shared + 1);
    }
  }
  return { frozen: Math.min(frozen, width), block };
}
