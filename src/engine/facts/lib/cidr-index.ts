/**
 * An index of CIDR blocks answering "which blocks overlap this one" in O(prefix lengths + log n + matches),
 * so that overlap checks over hundreds of interfaces and thousands of routes never compare all pairs.
 * Two CIDR blocks overlap exactly when one contains the other.
 */
import { parseCidr, type Cidr } from '../../../model/net.js';
import { appendAll } from '../../../util/arrays.js';

interface Entry<T> {
  cidr: Cidr;
  payload: T;
}

function bitsOf(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function maskNetwork(cidr: Cidr, prefixLen: number): bigint {
  const bits = BigInt(bitsOf(cidr.family));
  const hostBits = bits - BigInt(prefixLen);
  return (cidr.network >> hostBits) << hostBits;
}

function lastAddress(cidr: Cidr): bigint {
  const hostBits = BigInt(bitsOf(cidr.family) - cidr.prefixLen);
  return cidr.network | ((1n << hostBits) - 1n);
}

export class CidrIndex<T> {
  /** family → prefix length → network → entries (for "what contains q"). */
  private readonly exact = new Map<4 | 6, Map<number, Map<bigint, Entry<T>[]>>>();
  /** family → entries sorted by network, then prefix length (for "what q contains"). */
  private sorted = new Map<4 | 6, Entry<T>[]>();
  private dirty = false;

  add(cidrText: string, payload: T): boolean {
    const cidr = parseCidr(cidrText);
    if (!cidr) return false;
    this.addCidr(cidr, payload);
    return true;
  }

  addCidr(cidr: Cidr, payload: T): void {
    const entry = { cidr, payload };
    let byLen = this.exact.get(cidr.family);
    if (!byLen) this.exact.set(cidr.family, (byLen = new Map()));
    let byNet = byLen.get(cidr.prefixLen);
    if (!byNet) byLen.set(cidr.prefixLen, (byNet = new Map()));
    const list = byNet.get(cidr.network);
    if (list) list.push(entry);
    else byNet.set(cidr.network, [entry]);
    let all = this.sorted.get(cidr.family);
    if (!all) this.sorted.set(cidr.family, (all = []));
    all.push(entry);
    this.dirty = true;
  }

  /** Every indexed block that overlaps `query` (contains it, equals it, or lies inside it). */
  overlapping(query: Cidr): { cidr: Cidr; payload: T }[] {
    this.sortIfNeeded();
    const out: Entry<T>[] = [];
    const byLen = this.exact.get(query.family);
    if (!byLen) return out;
    // Blocks that contain (or equal) the query: one lookup per distinct prefix length.
    for (const [len, byNet] of byLen) {
      if (len > query.prefixLen) continue;
      const hits = byNet.get(maskNetwork(query, len));
      if (hits) appendAll(out, hits);
    }
    // Blocks strictly inside the query: a range of the sorted list.
    const all = this.sorted.get(query.family) ?? [];
    const first = query.network;
    const last = lastAddress(query);
    for (let i = lowerBound(all, first); i < all.length; i++) {
      const e = all[i] as Entry<T>;
      if (e.cidr.network > last) break;
      if (e.cidr.prefixLen > query.prefixLen) out.push(e);
    }
    return out;
  }

  private sortIfNeeded(): void {
    if (!this.dirty) return;
    for (const list of this.sorted.values()) {
      list.sort((a, b) => (a.cidr.network === b.cidr.network ? a.cidr.prefixLen - b.cidr.prefixLen : a.cidr.network < b.cidr.network ? -1 : 1));
    }
    this.dirty = false;
  }
}

function lowerBound<T>(list: Entry<T>[], network: bigint): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as Entry<T>).cidr.network < network) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
