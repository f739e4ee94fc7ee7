/**
 * The address families a wildcard listener takes, as its listing tells: `0.0.0.0` IPv4; ss's `*` both
 * (dual-stack) or IPv4 only in an older ss's listing; `[::]` IPv6 only; a bare `::` (older ss, netstat)
 * cannot tell, and is taken as the kernel's default dual-stack (net.ipv6.bindv6only = 0). The packet-path
 * engine's socket lookup says when it assumed that; the analyses that only look for a listener use this.
 */
import type { SsListener } from '../parse/types.js';

const WILDCARD_TEXT = new Set(['0.0.0.0', '*', '::']);

/** The families a wildcard listener takes; undefined when it is bound to one address. */
export function wildcardFamilies(listener: SsListener): (4 | 6)[] | undefined {
  switch (listener.wildcard) {
    case 'ipv6-only':
      return [6];
    case 'ipv4-only':
      return [4];
    case 'dual-stack':
    case 'unknown':
      return [4, 6];
  }
  if (!WILDCARD_TEXT.has(listener.localAddress)) return undefined;
  return listener.localAddress === '0.0.0.0' ? [4] : [4, 6];
}
