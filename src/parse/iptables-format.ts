/**
 * Recognising text that is not iptables-save output but is often pasted in its place,
 * so the error can say what was given and what to run instead.
 */

export const RUN_IPTABLES_SAVE = 'run `iptables-save -c` (or `ip6tables-save -c`) and give its output';

/** What a (trimmed) line reveals about the format, when it is a known wrong one. */
export function wrongFormatOf(line: string): string | undefined {
  if (line.startsWith('Chain ') && /^Chain \S+ \((policy |\d+ references)/.test(line)) {
    return '`iptables -L` output';
  }
  if (line.startsWith('pkts bytes target') || line.startsWith('num  pkts bytes target') || line.startsWith('target     prot opt')) {
    return '`iptables -L` output';
  }
  if (/^-P \S+ \S+$/.test(line) || /^-N \S+$/.test(line)) return '`iptables -S` output';
  if (/^table (ip|ip6|inet|arp|bridge|netdev) \S+ \{$/.test(line) || /^table \S+ \{$/.test(line)) {
    return '`nft list ruleset` output';
  }
  if (line.startsWith('<') && /^<(!doctype|html|head|body|\?xml|div|pre)\b/i.test(line)) return 'an HTML page';
  return undefined;
}

/** The hint for a refusal: what the input looks like and what to run instead. */
export function wrongFormatHint(given: string | undefined): string {
  return given ? `this looks like ${given}; ${RUN_IPTABLES_SAVE}` : RUN_IPTABLES_SAVE;
}
