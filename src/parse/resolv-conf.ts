/**
 * resolv.conf(5), as glibc's resolver reads it: `nameserver ADDRESS` (up to MAXNS = 3 used, the rest
 * ignored), `search DOMAIN...` and `domain NAME` (the last of the two wins), `options OPTION...` (each
 * `name` or `name:value`; later lines add to earlier ones), `sortlist`. Keywords start the line; `#` and `;`
 * start comments; unknown keywords and malformed lines are ignored by glibc and noted here. A nameserver
 * that is not an address is ignored by glibc too (noted). Content with NUL bytes is not a resolv.conf.
 *
 * The header comment says who writes the file (systemd-resolved, NetworkManager, resolvconf, Docker...):
 * kept as `generatedBy` when one of the known markers is there.
 */
import { parseAddress } from '../model/net.js';
import { clip, DROPPED, fail, splitLines, type Evidence, type ParseInput, type Parsed, type ParseNote } from './common.js';

/** glibc's MAXNS: nameservers after the third are ignored. */
export const MAX_NAMESERVERS = 3;

export interface ResolvNameserver {
  /** The address as written, without a `%zone`. */
  address: string;
  family: 4 | 6;
  /** `%eth0` of a link-local IPv6 address. */
  zone?: string;
  /** After the third nameserver: glibc ignores it. */
  ignored: boolean;
  evidence: Evidence;
}

export interface ResolvOption {
  name: string;
  value?: string;
  evidence: Evidence;
}

export interface ResolvConf {
  nameservers: ResolvNameserver[];
  /** The search list in effect: the last `search` or `domain` line (a `domain` line is a one-domain list). */
  search?: { domains: string[]; keyword: 'search' | 'domain'; evidence: Evidence };
  options: ResolvOption[];
  /** Who wrote it, from its header comment ("systemd-resolved", "NetworkManager", "resolvconf", "docker"). */
  generatedBy?: { name: string; evidence: Evidence };
}

const GENERATORS: [RegExp, string][] = [
  [/systemd-resolved/i, 'systemd-resolved'],
  [/NetworkManager/, 'NetworkManager'],
  [/resolvconf/i, 'resolvconf'],
  [/netconfig/i, 'netconfig'],
  [/dhclient|dhcpcd/i, 'dhcp client'],
  [/docker|libnetwork/i, 'docker'],
];

export function parseResolvConf(input: ParseInput): Parsed<ResolvConf> {
  const notes: ParseNote[] = [];
  const nul = input.text.indexOf('\u0000');
  if (nul >= 0) {
    fail(input, 'not a resolv.conf: the content holds NUL bytes', input.text.slice(0, nul).split('\n').length, 'expected resolv.conf text (nameserver, search, domain, options lines)');
  }
  const result: ResolvConf = { nameservers: [], options: [] };
  const lines = splitLines(input.text);
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = i + 1;
    const evidence: Evidence = { source: input.source, line, text: clip(raw.trim()) };
    const trimmed = raw.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) {
      if (!result.generatedBy) {
        const generator = GENERATORS.find(([re]) => re.test(trimmed));
        if (generator) result.generatedBy = { name: generator[1], evidence };
      }
      continue;
    }
    // glibc matches the keyword at the very start of the line, followed by a space or tab.
    const m = /^(nameserver|search|domain|options|sortlist)[ \t]+(.*)$/.exec(raw);
    if (!m) {
      const keyword = /^(nameserver|search|domain|options|sortlist)\s*$/.test(trimmed);
      notes.push({ source: input.source, line, message: keyword ? `"${clip(trimmed, 40)}" without a value: ignored, as the resolver does` : `not a resolv.conf line, ignored as the resolver does: ${clip(trimmed, 80)}`, ...DROPPED });
      continue;
    }
    const keyword = m[1]!;
    // Comments may follow on the same line for search/domain/options (glibc stops at # and ;).
    const words = m[2]!.replace(/[#;].*$/, '').trim().split(/[ \t]+/).filter(Boolean);
    if (words.length === 0) {
      notes.push({ source: input.source, line, message: `"${keyword}" without a value: ignored, as the resolver does`, ...DROPPED });
      continue;
    }
    switch (keyword) {
      case 'nameserver': {
        const [text, zone] = words[0]!.split('%', 2) as [string, string | undefined];
        const parsed = parseAddress(text);
        if (!parsed) {
          notes.push({ source: input.source, line, message: `nameserver "${clip(words[0]!, 60)}" is not an IP address: ignored, as the resolver does`, ...DROPPED });
          break;
        }
        const server: ResolvNameserver = { address: text, family: parsed.family, ignored: used >= MAX_NAMESERVERS, evidence };
        if (zone !== undefined && zone !== '') server.zone = zone;
        if (server.ignored) notes.push({ source: input.source, line, message: `nameserver ${text} is the ${used + 1}th: the resolver uses the first ${MAX_NAMESERVERS} only` });
        used++;
        result.nameservers.push(server);
        break;
      }
      case 'search':
        result.search = { domains: words, keyword: 'search', evidence };
        break;
      case 'domain':
        result.search = { domains: [words[0]!], keyword: 'domain', evidence };
        break;
      case 'options':
        for (const word of words) {
          const colon = word.indexOf(':');
          result.options.push(colon < 0 ? { name: word, evidence } : { name: word.slice(0, colon), value: word.slice(colon + 1), evidence });
        }
        break;
      default:
        // sortlist: read by the resolver, not by any rule.
        break;
    }
  }
  return { value: result, notes };
}
