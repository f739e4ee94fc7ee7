/**
 * The extension text at the end of a rule of `iptables -L` (`tcp dpt:80 ctstate NEW /* web *\/ to:10.0.0.2:80`)
 * back into the matches and target options iptables-save prints for the same rule. Each piece is read
 * only where its printed form (libxt_*.c print functions, iptables 1.4–1.8) gives back the saved options
 * exactly; from the first piece that does not (port names of `-L` without `-n`, a module whose text loses
 * options, a comment holding `*\/`), the rest of the text is kept as it is in one `list-text` match, which
 * no module of the packet-path engine knows, so the rule can only "maybe" match.
 */
import type { IptMatch, IptOption } from '../types.js';

/** The module of the match holding text the list form could not show exactly. */
export const LIST_TEXT_MODULE = 'list-text';

export interface ExtensionParts {
  matches: IptMatch[];
  targetOptions: IptOption[];
  comment?: string;
  /** The text kept in a list-text match, when any. */
  unparsed?: string;
}

const option = (name: string, args: string[] = [], negated = false): IptOption => ({ name, args, negated });
const match = (module: string, options: IptOption[]): IptMatch => ({ module, implicit: false, options });

/** Reads a piece into `out`; false when the text, although of the piece's shape, is not exact (a port name, an odd mask). */
type Reader = (m: RegExpExecArray, out: ExtensionParts) => unknown;

interface Piece {
  pattern: RegExp;
  read: Reader;
}

const PORT = String.raw`\d{1,5}`;
const PORTS = String.raw`${PORT}(?::${PORT})?`;
const PORT_LIST = String.raw`${PORTS}(?:,${PORTS})*`;
const HEX = String.raw`0x[0-9a-fA-F]{1,8}`;
const TCP_FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'];

function tcpFlags(hex: string): string {
  const bits = Number.parseInt(hex, 16);
  const names = TCP_FLAG_NAMES.filter((_, i) => (bits & (1 << i)) !== 0);
  return names.length === 0 ? 'NONE' : names.join(',');
}

/** `spt:80`, `dpts:!1:1023`, `flags:0x12/0x12`, `option=2` of the tcp/udp/sctp/dccp matches. */
function portOptions(text: string): IptOption[] | undefined {
  const options: IptOption[] = [];
  for (const word of text.trim().split(' ').filter((w) => w !== '')) {
    const port = /^(spts?|dpts?):(!?)(\d{1,5}(?::\d{1,5})?)$/.exec(word);
    const flags = /^(!?)flags:(!?)(0x[0-9a-fA-F]{2})\/(0x[0-9a-fA-F]{2})$/.exec(word);
    if (port) options.push(option(port[1]!.startsWith('s') ? 'sport' : 'dport', [port[3]!], port[2] === '!'));
    else if (flags) options.push(option('tcp-flags', [tcpFlags(flags[3]!), tcpFlags(flags[4]!)], flags[1] === '!' || flags[2] === '!'));
    else return undefined;
  }
  return options;
}

/** Mark values as iptables-save prints them: lower-case hex. */
const hex = (value: number): string => `0x${(value >>> 0).toString(16)}`;

const MATCHES: Piece[] = [
  {
    pattern: new RegExp(String.raw`(tcp|udp|udplite|sctp|dccp)((?: !?(?:spts?|dpts?):!?${PORTS}| !?flags:!?0x[0-9a-fA-F]{2}/0x[0-9a-fA-F]{2})*)(?= |$)(?! !?(?:spts?|dpts?|flags|option)[:=])`, 'y'),
    read: (m, out) => {
      const options = portOptions(m[2]!);
      if (!options) return false;
      out.matches.push(match(m[1]!, options));
    },
  },
  {
    pattern: new RegExp(String.raw`(!?)(ctstate|ctproto|ctorigsrc|ctorigdst|ctreplsrc|ctrepldst|ctorigsrcport|ctorigdstport|ctreplsrcport|ctrepldstport|ctstatus|ctdir) (!?)(\S+)`, 'y'),
    read: (m, out) => {
      const opt = option(m[2]!, [m[4]!], m[1] === '!' || m[3] === '!');
      const last = out.matches[out.matches.length - 1];
      // Consecutive conntrack options are one match, unless an option repeats (then a second -m conntrack).
      if (last?.module === 'conntrack' && !last.options.some((o) => o.name === opt.name)) last.options.push(opt);
      else out.matches.push(match('conntrack', [opt]));
    },
  },
  { pattern: /(! )?state (\S+)/y, read: (m, out) => out.matches.push(match('state', [option('state', [m[2]!], m[1] !== undefined)])) },
  {
    pattern: /ADDRTYPE match((?: (?:src|dst)-type !?[A-Z,]+)+)((?: limit-(?:in|out))*)/y,
    read: (m, out) => {
      const options = [...m[1]!.matchAll(/(src|dst)-type (!?)([A-Z,]+)/g)].map((t) => option(`${t[1]}-type`, [t[3]!], t[2] === '!'));
      for (const limit of m[2]!.trim().split(' ').filter((w) => w !== '')) options.push(option(limit === 'limit-in' ? 'limit-iface-in' : 'limit-iface-out'));
      out.matches.push(match('addrtype', options));
    },
  },
  {
    pattern: new RegExp(String.raw`multiport (sports|dports|ports) (!?)(${PORT_LIST})`, 'y'),
    read: (m, out) => out.matches.push(match('multiport', [option(m[1]!, [m[3]!], m[2] === '!')])),
  },
  {
    pattern: new RegExp(String.raw`(mark|connmark) match (!?)(${HEX})(?:/(${HEX}))?`, 'y'),
    read: (m, out) => out.matches.push(match(m[1]!, [option('mark', [m[4] === undefined ? m[3]! : `${m[3]}/${m[4]}`], m[2] === '!')])),
  },
  {
    pattern: /PHYSDEV match((?: !)? --physdev-(?:in|out) \S+|(?: !)? --physdev-is-(?:in|out|bridged))+/y,
    read: (m, out) => {
      const options = [...m[0].matchAll(/( !)? --(physdev-(?:in|out|is-in|is-out|is-bridged))(?: (?!--|!)(\S+))?/g)].map((t) =>
        option(t[2]!, t[3] === undefined ? [] : [t[3]], t[1] !== undefined),
      );
      out.matches.push(match('physdev', options));
    },
  },
  { pattern: /(! )?match-set (\S+) ((?:src|dst)(?:,(?:src|dst))*)/y, read: (m, out) => out.matches.push(match('set', [option('match-set', [m[2]!, m[3]!], m[1] !== undefined)])) },
  {
    pattern: /(source|destination) IP range (! )?([0-9a-fA-F:.]+-[0-9a-fA-F:.]+)/y,
    read: (m, out) => out.matches.push(match('iprange', [option(m[1] === 'source' ? 'src-range' : 'dst-range', [m[3]!], m[2] !== undefined)])),
  },
  {
    pattern: /limit: avg (\d+\/(?:sec|second|min|minute|hour|day)) burst (\d+)/y,
    read: (m, out) => {
      const options = [option('limit', [m[1]!])];
      // iptables-save leaves out the default burst (libxt_limit.c).
      if (m[2] !== '5') options.push(option('limit-burst', [m[2]!]));
      out.matches.push(match('limit', options));
    },
  },
  { pattern: /PKTTYPE (!?)= (unicast|broadcast|multicast|host|otherhost|outgoing|loopback)/y, read: (m, out) => out.matches.push(match('pkttype', [option('pkt-type', [m[2]!], m[1] === '!')])) },
  { pattern: /MAC (! )?([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})/y, read: (m, out) => out.matches.push(match('mac', [option('mac-source', [m[2]!.toLowerCase()], m[1] !== undefined)])) },
  {
    pattern: /(! )?owner (UID|GID) match (\d+)/y,
    read: (m, out) => out.matches.push(match('owner', [option(m[2] === 'UID' ? 'uid-owner' : 'gid-owner', [m[3]!], m[1] !== undefined)])),
  },
  { pattern: /statistic mode random probability (\d+\.\d+)/y, read: (m, out) => out.matches.push(match('statistic', [option('mode', ['random']), option('probability', [m[1]!])])) },
  {
    pattern: /icmptype (!?)(\d{1,3})(?: code (\d{1,3}))?(?= |$)/y,
    read: (m, out) => out.matches.push(match('icmp', [option('icmp-type', [m[3] === undefined ? m[2]! : `${m[2]}/${m[3]}`], m[1] === '!')])),
  },
  {
    pattern: /ipv6-icmptype (!?)(\d{1,3})(?: code (\d{1,3}))?(?= |$)/y,
    read: (m, out) => out.matches.push(match('icmp6', [option('icmpv6-type', [m[3] === undefined ? m[2]! : `${m[2]}/${m[3]}`], m[1] === '!')])),
  },
];

const COMMENT = /\/\* (.*?) \*\//y;

/** Target text by target name: what -j NAME printed after the matches. */
const TARGETS: Record<string, Piece[]> = {
  DNAT: [{ pattern: /to:(\S+)((?: (?:random|persistent))*)$/y, read: (m, out) => natTarget(out, 'to-destination', m) }],
  SNAT: [{ pattern: /to:(\S+)((?: (?:random|random-fully|persistent))*)$/y, read: (m, out) => natTarget(out, 'to-source', m) }],
  MASQUERADE: [
    {
      pattern: /(?:masq ports: (\d{1,5}(?:-\d{1,5})?))?((?: (?:random|random-fully))*)$/y,
      read: (m, out) => {
        if (m[1] !== undefined) out.targetOptions.push(option('to-ports', [m[1]]));
        for (const flag of m[2]!.trim().split(' ').filter((w) => w !== '')) out.targetOptions.push(option(flag));
      },
    },
  ],
  REDIRECT: [{ pattern: /redir ports (\d{1,5}(?:-\d{1,5})?)( random)?$/y, read: (m, out) => {
    out.targetOptions.push(option('to-ports', [m[1]!]));
    if (m[2] !== undefined) out.targetOptions.push(option('random'));
  } }],
  REJECT: [{ pattern: /reject-with (\S+)$/y, read: (m, out) => out.targetOptions.push(option('reject-with', [m[1]!])) }],
  MARK: [
    {
      pattern: new RegExp(String.raw`MARK (set|xset|or|and|xor) (${HEX})(?:/(${HEX}))?$`, 'y'),
      read: (m, out) => {
        const value = Number.parseInt(m[2]!.slice(2), 16);
        const mask = m[3] === undefined ? undefined : Number.parseInt(m[3].slice(2), 16);
        const xmark = markTarget(m[1]!, value, mask);
        if (!xmark) return false;
        out.targetOptions.push(option('set-xmark', [xmark]));
      },
    },
  ],
  CONNMARK: [
    {
      pattern: /CONNMARK (save|restore)$/y,
      read: (m, out) => out.targetOptions.push(option(`${m[1]}-mark`), option('nfmask', ['0xffffffff']), option('ctmask', ['0xffffffff'])),
    },
  ],
  LOG: [
    {
      pattern: /LOG flags 0 level (\d)(?: prefix "(.*)")?$/y,
      read: (m, out) => {
        if (m[2] !== undefined) out.targetOptions.push(option('log-prefix', [m[2]]));
        // iptables-save leaves out the default level, warning (4).
        if (m[1] !== '4') out.targetOptions.push(option('log-level', [m[1]!]));
      },
    },
  ],
  TCPMSS: [
    { pattern: /TCPMSS clamp to PMTU$/y, read: (_m, out) => out.targetOptions.push(option('clamp-mss-to-pmtu')) },
    { pattern: /TCPMSS set (\d+)$/y, read: (m, out) => out.targetOptions.push(option('set-mss', [m[1]!])) },
  ],
  CHECKSUM: [{ pattern: /CHECKSUM fill$/y, read: (_m, out) => out.targetOptions.push(option('checksum-fill')) }],
  CT: [
    { pattern: /NOTRACK$/y, read: (_m, out) => out.targetOptions.push(option('notrack')) },
    { pattern: /CT helper (\S+)$/y, read: (m, out) => out.targetOptions.push(option('helper', [m[1]!])) },
    { pattern: /CT zone (\d+)$/y, read: (m, out) => out.targetOptions.push(option('zone', [m[1]!])) },
  ],
};

function natTarget(out: ExtensionParts, name: string, m: RegExpExecArray): void {
  out.targetOptions.push(option(name, [m[1]!]));
  for (const flag of m[2]!.trim().split(' ').filter((w) => w !== '')) out.targetOptions.push(option(flag));
}

/** MARK's printed operation as the `--set-xmark value/mask` iptables-save prints (libxt_MARK.c, revision 2). */
function markTarget(op: string, value: number, mask: number | undefined): string | undefined {
  switch (op) {
    case 'set':
      return mask === undefined ? `${hex(value)}/0xffffffff` : undefined;
    case 'xset':
      return mask === undefined ? undefined : `${hex(value)}/${hex(mask)}`;
    case 'or':
      return mask === undefined ? `${hex(value)}/${hex(value)}` : undefined;
    case 'and':
      return mask === undefined ? `0x0/${hex(~value)}` : undefined;
    case 'xor':
      return mask === undefined ? `${hex(value)}/0x0` : undefined;
    default:
      return undefined;
  }
}

/** Read one piece at `at`; the position after it, or -1 when no piece fits there. */
function readPiece(pieces: Piece[], text: string, at: number, out: ExtensionParts): number {
  for (const piece of pieces) {
    piece.pattern.lastIndex = at;
    const m = piece.pattern.exec(text);
    if (!m || m[0].length === 0) continue;
    const end = at + m[0].length;
    if (end < text.length && text[end] !== ' ') continue;
    if (piece.read(m, out) === false) continue;
    return end;
  }
  return -1;
}

/** Split a rule's extension text into matches and target options; what cannot be read exactly is kept. */
export function readExtensionText(text: string, target: string | undefined): ExtensionParts {
  const out: ExtensionParts = { matches: [], targetOptions: [] };
  const targetPieces = target !== undefined && Object.hasOwn(TARGETS, target) ? (TARGETS[target] as Piece[]) : [];
  let at = 0;
  while (at < text.length) {
    while (text[at] === ' ') at++;
    if (at >= text.length) break;
    if (text.startsWith('/* ', at)) {
      // A comment holding "*/" cannot be told from two comments: kept as text.
      COMMENT.lastIndex = at;
      const m = COMMENT.exec(text);
      const closings = text.slice(at).split(' */').length - 1;
      if (m && closings === 1 && out.comment === undefined) {
        out.comment = m[1]!;
        out.matches.push(match('comment', [option('comment', [m[1]!])]));
        at += m[0].length;
        continue;
      }
      break;
    }
    let end = readPiece(MATCHES, text, at, out);
    if (end < 0) {
      end = readPiece(targetPieces, text, at, out);
      if (end >= 0) at = end;
      break;
    }
    at = end;
  }
  while (text[at] === ' ') at++;
  if (at < text.length) {
    out.unparsed = text.slice(at);
    out.matches.push(match(LIST_TEXT_MODULE, [option('text', [out.unparsed])]));
  }
  return out;
}
