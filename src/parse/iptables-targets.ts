/**
 * Jump targets that are not chains: the verdicts and the target extensions iptables can load. A rule's
 * `-j NAME` names a chain of its table or one of these; iptables-restore refuses a name that is neither
 * ("Couldn't load target"), so a dump that jumps to such a name, with no options after it, was not printed
 * by iptables-save from a running kernel: it was cut or edited. A target given options is a target module
 * whatever its name (a chain takes none), so an extension missing from this list is still read.
 */
export const TARGET_MODULES: ReadonlySet<string> = new Set([
  // Verdicts
  'ACCEPT', 'DROP', 'RETURN', 'QUEUE',
  // iptables' own extensions (libxt_*, libipt_*, libip6t_*), including those of older releases
  'AUDIT', 'CHECKSUM', 'CLASSIFY', 'CLUSTERIP', 'CONNMARK', 'CONNSECMARK', 'CT', 'DNAT', 'DNPT', 'DSCP', 'ECN',
  'HL', 'HMARK', 'IDLETIMER', 'LED', 'LOG', 'MARK', 'MASQUERADE', 'MIRROR', 'NETMAP', 'NFLOG', 'NFQUEUE',
  'NOTRACK', 'RATEEST', 'REDIRECT', 'REJECT', 'SAME', 'SECMARK', 'SET', 'SNAT', 'SNPT', 'SYNPROXY', 'TCPMSS',
  'TCPOPTSTRIP', 'TEE', 'TOS', 'TPROXY', 'TRACE', 'TTL', 'ULOG',
  // xtables-addons and out-of-tree modules seen in the wild
  'ACCOUNT', 'CHAOS', 'DELUDE', 'DHCPMAC', 'DNETMAP', 'ECHO', 'FLOWOFFLOAD', 'FULLCONENAT', 'IMQ', 'IPMARK',
  'IPV4OPTSSTRIP', 'JOOL', 'JOOL_SIIT', 'LOGMARK', 'NETFLOW', 'PROTO', 'RAWDNAT', 'RAWSNAT', 'ROUTE', 'STEAL',
  'SYSRQ', 'TARPIT', 'TRIGGER', 'XOR',
]);
