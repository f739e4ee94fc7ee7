/** What a target does to the traversal of a chain. */

export type VerdictKind = 'accept' | 'drop' | 'nat' | 'queue' | 'unknown';

const TERMINAL: Record<string, VerdictKind> = {
  ACCEPT: 'accept',
  DROP: 'drop',
  REJECT: 'drop',
  DNAT: 'nat',
  SNAT: 'nat',
  MASQUERADE: 'nat',
  REDIRECT: 'nat',
  NETMAP: 'nat',
  QUEUE: 'queue',
  NFQUEUE: 'queue',
  // Decide by state the snapshot does not show (a socket lookup, a SYN cookie).
  TPROXY: 'unknown',
  SYNPROXY: 'unknown',
};

/** Targets that act on the packet and let it continue down the chain. */
const CONTINUING = new Set([
  'LOG', 'NFLOG', 'ULOG', 'MARK', 'CONNMARK', 'CT', 'NOTRACK', 'CHECKSUM', 'TCPMSS', 'TOS', 'DSCP', 'TTL', 'HL',
  'ECN', 'CLASSIFY', 'SET', 'TRACE', 'AUDIT', 'SECMARK', 'CONNSECMARK', 'IDLETIMER', 'LED', 'RATEEST', 'TEE',
  'HMARK', 'TCPOPTSTRIP', 'CLUSTERIP', 'JOURNAL',
]);

export type TargetEffect =
  | { type: 'terminal'; kind: VerdictKind }
  | { type: 'return' }
  | { type: 'continue' }
  /** An extension this library does not know: it may or may not end the chain. */
  | { type: 'unknown' };

export function targetEffect(name: string): TargetEffect {
  if (name === 'RETURN') return { type: 'return' };
  if (Object.hasOwn(TERMINAL, name)) return { type: 'terminal', kind: TERMINAL[name] as VerdictKind };
  return CONTINUING.has(name) ? { type: 'continue' } : { type: 'unknown' };
}

/** The kind of a chain policy or a target name used as a verdict. */
export function verdictKind(verdict: string): VerdictKind {
  return Object.hasOwn(TERMINAL, verdict) ? (TERMINAL[verdict] as VerdictKind) : 'unknown';
}
