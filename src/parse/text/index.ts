/**
 * The plain-text parsers, each with the raw-output file it will read and the source id it feeds
 * (the same id as the JSON or iptables-save form of that source, so the model consumes either).
 * Not wired into the loaders yet.
 */
import type { ParseInput, Parsed } from '../common.js';
import { parseBridgeLinkText } from './bridge-link.js';
import { parseIpAddrText } from './ip-addr.js';
import { parseIpLinkText } from './ip-link.js';
import { parseIpNeighText } from './ip-neigh.js';
import { parseIpRouteText } from './ip-route.js';
import { parseIpRuleText } from './ip-rule.js';
import { parseIptablesList } from './iptables-list.js';

export { parseBridgeLinkText, parseIpAddrText, parseIpLinkText, parseIpNeighText, parseIpRouteText, parseIpRuleText, parseIptablesList };
export { LIST_TEXT_MODULE } from './iptables-list-extensions.js';
export type { IptablesList, IptablesListOptions } from './iptables-list.js';

export interface TextParser {
  /** The raw-output file name; `<table>` stands for the table's name in the iptables list forms. */
  file: string;
  /** The source id the parsed records feed. */
  source: string;
  /** The command whose output the file holds. */
  command: string;
  parse: (input: ParseInput, table?: string) => Parsed<unknown>;
}

export const TEXT_PARSERS: readonly TextParser[] = [
  { file: 'ip-addr.txt', source: 'ip-addr', command: 'ip addr', parse: parseIpAddrText },
  { file: 'ip-link.txt', source: 'ip-link', command: 'ip -d link', parse: parseIpLinkText },
  { file: 'ip-route.txt', source: 'ip-route', command: 'ip route show table all', parse: (input) => parseIpRouteText(input, 4) },
  { file: 'ip6-route.txt', source: 'ip6-route', command: 'ip -6 route show table all', parse: (input) => parseIpRouteText(input, 6) },
  { file: 'ip-rule.txt', source: 'ip-rule', command: 'ip rule list', parse: (input) => parseIpRuleText(input, 4) },
  { file: 'ip6-rule.txt', source: 'ip6-rule', command: 'ip -6 rule list', parse: (input) => parseIpRuleText(input, 6) },
  { file: 'ip-neigh.txt', source: 'ip-neigh', command: 'ip neigh', parse: parseIpNeighText },
  { file: 'bridge-link.txt', source: 'bridge-link', command: 'bridge link', parse: parseBridgeLinkText },
  {
    file: 'iptables-L-<table>.txt',
    source: 'iptables-save',
    command: 'iptables -t <table> -vnxL',
    parse: (input, table = 'filter') => parseIptablesList(input, { table, family: 4 }),
  },
  {
    file: 'ip6tables-L-<table>.txt',
    source: 'ip6tables-save',
    command: 'ip6tables -t <table> -vnxL',
    parse: (input, table = 'filter') => parseIptablesList(input, { table, family: 6 }),
  },
];

/** The parser for a raw-output file name, and the table an iptables list file is of. */
export function textParserFor(fileName: string): { parser: TextParser; table?: string } | undefined {
  const list = /^(ip6?tables)-L-([A-Za-z0-9_]+)\.txt$/.exec(fileName);
  if (list) {
    const parser = TEXT_PARSERS.find((p) => p.file === `${list[1]}-L-<table>.txt`);
    return parser && { parser, table: list[2] as string };
  }
  const parser = TEXT_PARSERS.find((p) => p.file === fileName);
  return parser && { parser };
}
