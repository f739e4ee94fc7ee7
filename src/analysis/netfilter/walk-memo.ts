/**
 * Walks memoised by packet equivalence. Every criterion that looks at a packet's destination address or
 * port (-d, iprange --dst-range, conntrack --ctorigdst, --dport, multiport, --ctorigdstport) depends only on
 * whether the address lies in the block the rule names, or the port in the range it names. Two packet
 * classes that agree on every other field and relate the same way to every such block and range of a
 * table get the same answer from every rule of that table, hence the same walk. Thousands of kube-proxy
 * endpoints (distinct pod addresses, none named by a filter rule) then cost one walk, not thousands.
 */
import { parseCidr, type Cidr } from '../../model/net.js';
import type { NfTable } from '../../model/types.js';
import { cidrRange, parseAddressRange, type AddressRange } from './addresses.js';
import type { AddressSpec, PacketClass } from './packet.js';
import { parsePortList, type PortRange } from './ports.js';
import { walkChain, type WalkResult } from './walk.js';

const ADDRESS_OPTIONS = new Set(['ctorigdst', 'ctrepldst', 'dst-range', 'ctorigsrc', 'ctreplsrc', 'src-range']);
const PORT_OPTIONS = new Set(['dport', 'destination-port', 'dports', 'destination-ports', 'ports', 'ctorigdstport', 'ctrepldstport', 'sport', 'source-port', 'sports', 'source-ports', 'ctorigsrcport', 'ctreplsrcport']);

interface TableAtoms {
  /** Host blocks (/32, /128) named anywhere in the table, by address key, each with an index. */
  hosts: Map<number | string, number>;
  /** Every other block or range. */
  ranges: AddressRange[];
  /** Distinct port ranges, as "from:to". */
  ports: PortRange[];
  /** portClass by port: thousands of ports share a few dozen numbers. */
  portClasses: Map<number, string>;
  results: Map<string, Map<string, WalkResult>>;
}

const atomsByTable = new WeakMap<NfTable, TableAtoms>();

/** A host address as a Map key: a number for IPv4 (no text built per lookup), text for IPv6. */
function hostKey(family: 4 | 6, value: bigint): number | string {
  return family === 4 ? Number(value) : `6|${value}`;
}

function tableAtoms(table: NfTable): TableAtoms {
  let atoms = atomsByTable.get(table);
  if (atoms) return atoms;
  const hosts = new Map<number | string, number>();
  const ranges: AddressRange[] = [];
  const seenRanges = new Set<string>();
  const ports = new Map<string, PortRange>();
  const addRange = (range: AddressRange | undefined): void => {
    if (!range) return;
    if (range.first === range.last) {
      const k = hostKey(range.family, range.first);
      if (!hosts.has(k)) hosts.set(k, hosts.size);
      return;
    }
    const k = `${range.family}|${range.first}|${range.last}`;
    if (!seenRanges.has(k)) {
      seenRanges.add(k);
      ranges.push(range);
    }
  };
  const addCidr = (text: string): void => {
    const cidr = parseCidr(text);
    if (cidr) addRange(cidrRange(cidr));
  };
  const addPorts = (list: PortRange[] | undefined): void => {
    for (const p of list ?? []) ports.set(`${p.from}:${p.to}`, p);
  };
  for (const chain of table.chains.values()) {
    for (const rule of chain.rules) {
      if (rule.source) addCidr(rule.source.value);
      if (rule.destination) addCidr(rule.destination.value);
      for (const match of rule.matches) {
        for (const option of match.options) {
          const arg = option.args[0] ?? '';
          if (ADDRESS_OPTIONS.has(option.name)) {
            if (option.name.endsWith('-range')) addRange(parseAddressRange(arg));
            else addCidr(arg);
          } else if (PORT_OPTIONS.has(option.name)) {
            addPorts(parsePortList(arg));
          }
        }
      }
    }
  }
  atoms = { hosts, ranges, ports: [...ports.values()], portClasses: new Map(), results: new Map() };
  atomsByTable.set(table, atoms);
  return atoms;
}

/** How an address set relates to the table's atoms (a block is kept verbatim: equal blocks, equal answers). */
function addressClass(atoms: TableAtoms, spec: AddressSpec | undefined): string {
  if (!spec) return '-';
  if (!('cidr' in spec)) return 'internet';
  const cidr: Cidr = spec.cidr;
  const full = cidr.family === 4 ? 32 : 128;
  if (cidr.prefixLen !== full) return `block:${cidr.family}:${cidr.network}/${cidr.prefixLen}`;
  const value = cidr.network;
  let out = `${cidr.family}:${atoms.hosts.get(hostKey(cidr.family, value)) ?? 'x'}:`;
  for (const r of atoms.ranges) out += r.family === cidr.family && value >= r.first && value <= r.last ? '1' : '0';
  return out;
}

function portClass(atoms: TableAtoms, port: number | undefined): string {
  if (port === undefined) return '-';
  let out = atoms.portClasses.get(port);
  if (out === undefined) {
    out = '';
    for (const r of atoms.ports) out += port >= r.from && port <= r.to ? '1' : '0';
    atoms.portClasses.set(port, out);
  }
  return out;
}

function interfaceText(spec: PacketClass['in']): string {
  if (!spec) return '-';
  return 'name' in spec ? `=${spec.name}` : `!${spec.except.join(',')}`;
}

/** A field as Array.prototype.join writes it (undefined as nothing). */
function text(value: string | number | boolean | undefined): string | number | boolean {
  return value ?? '';
}

function signature(atoms: TableAtoms, p: PacketClass): string {
  const src = addressClass(atoms, p.src);
  const dst = addressClass(atoms, p.dst);
  const origDst = addressClass(atoms, p.origDst);
  // One template rather than an array joined: made for every port of a large node.
  return (
    `${p.family}|${interfaceText(p.in)}|${interfaceText(p.out)}|${src}|${dst}|${origDst}|${text(p.srcLocal)}|${text(p.dstLocal)}|` +
    `${text(p.protocol)}|${portClass(atoms, p.sport)}|${portClass(atoms, p.dport)}|${portClass(atoms, p.origDport)}|${text(p.state)}|` +
    `${text(p.dnat)}|${text(p.snat)}|${text(p.direction)}|${text(p.bridged)}|${text(p.physIn)}|${text(p.physOut)}|${text(p.fragment)}`
  );
}

/** walkChain, answered from the memo when an equivalent packet class walked the same chain before. */
export function walkChainMemo(table: NfTable | undefined, chainName: string, packet: PacketClass): WalkResult {
  if (!table) return walkChain(table, chainName, packet);
  const atoms = tableAtoms(table);
  const sig = signature(atoms, packet);
  let byChain = atoms.results.get(chainName);
  if (!byChain) atoms.results.set(chainName, (byChain = new Map()));
  let result = byChain.get(sig);
  if (!result) {
    result = walkChain(table, chainName, packet);
    byChain.set(sig, result);
  }
  return result;
}
