/**
 * Reading single criteria out of parsed rules: the destination port a rule matches, the address of a
 * NAT target, an option's value. Used to describe published ports, not to decide matches (match.ts).
 */
import { parseCidr, type Cidr } from '../../model/net.js';
import type { IptMatch, IptOption, IptRule } from '../../parse/types.js';
import { normaliseProtocol } from './match.js';
import { isPortRangeAt, parsePortRange, portRangeAt, type PortRange } from './ports.js';

/** The protocol a rule requires (-p tcp), lower-case; undefined when any or negated. */
export function ruleProtocol(rule: IptRule): string | undefined {
  if (!rule.protocol || rule.protocol.negated) return undefined;
  const proto = normaliseProtocol(rule.protocol.value);
  return proto === 'all' || proto === '0' ? undefined : proto;
}

const DPORT_OPTIONS = new Set(['dport', 'destination-port', 'dports', 'destination-ports']);

/** The destination port range a rule requires (--dport, or a multiport list of one item); undefined otherwise. */
export function ruleDport(rule: IptRule): PortRange | undefined {
  // A port read off the line spares parsing the rule (most kube-proxy rules): the loop below gives the same for one option.
  const plain = rule.plainDport === undefined ? null : rule.plainDport();
  if (plain !== null) return plain === undefined || plain.includes(',') ? undefined : parsePortRange(plain);
  // Indexed loops: this runs for every jump and DNAT of a Kubernetes nat table, and for...of allocates until V8 optimises it.
  const matches = rule.matches;
  for (let m = 0; m < matches.length; m++) {
    const match = matches[m] as IptMatch;
    let option: IptOption | undefined;
    for (let i = 0; i < match.options.length; i++) {
      const o = match.options[i] as IptOption;
      // The length first: most options (comment, mode, probability) are ruled out without reading their text.
      const length = o.name.length;
      if ((length === 5 || length === 6 || length === 16 || length === 17) && DPORT_OPTIONS.has(o.name)) {
        option = o;
        break;
      }
    }
    if (!option || option.negated) continue;
    const text = option.args[0] ?? '';
    if (text.includes(',')) return undefined;
    const range = parsePortRange(text);
    if (range) return range;
  }
  return undefined;
}

/** A positive -d / -s as a CIDR. */
export function ruleAddress(rule: IptRule, which: 'source' | 'destination'): Cidr | undefined {
  const value = rule[which];
  if (!value || value.negated) return undefined;
  return parseCidr(value.value);
}

/** Interfaces a rule excludes with `! -i X` (or `! -o X`). */
export function excludedInterface(rule: IptRule, which: 'inInterface' | 'outInterface'): string | undefined {
  const value = rule[which];
  return value?.negated ? value.value : undefined;
}

export function requiredInterface(rule: IptRule, which: 'inInterface' | 'outInterface'): string | undefined {
  const value = rule[which];
  return value && !value.negated ? value.value : undefined;
}

export interface NatAddress {
  /** The first (often only) address of the range, as a host CIDR. */
  address: Cidr;
  /** As printed, e.g. "172.17.0.2:80" or "[fd00::2]:80". */
  text: string;
  /** Several addresses ("10.0.0.1-10.0.0.3"): the kernel picks one per connection. */
  range: boolean;
  ports?: PortRange;
}

/**
 * --to-destination / --to-source: "172.17.0.2", "172.17.0.2:80", "172.17.0.2:8000-8010",
 * "10.0.0.1-10.0.0.3:80", "[fd00::2]:80", "fd00::2". Undefined when unreadable or port-only.
 */
export function parseNatAddress(text: string): NatAddress | undefined {
  const fast = parseV4Target(text);
  if (fast) return fast;
  let addressPart: string;
  let portPart: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return undefined;
    addressPart = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest.startsWith('-[')) {
      // "[a]-[b]:port": keep the first address.
      const end = rest.indexOf(']');
      if (end === -1) return undefined;
      const after = rest.slice(end + 1);
      portPart = after.startsWith(':') ? after.slice(1) : undefined;
      return build(addressPart, portPart, text, true);
    }
    portPart = rest.startsWith(':') ? rest.slice(1) : undefined;
    return build(addressPart, portPart, text, false);
  }
  const colons = text.split(':').length - 1;
  if (colons > 1) return build(text, undefined, text, false);
  const colon = text.indexOf(':');
  addressPart = colon === -1 ? text : text.slice(0, colon);
  portPart = colon === -1 ? undefined : text.slice(colon + 1);
  const dash = addressPart.indexOf('-');
  return build(dash === -1 ? addressPart : addressPart.slice(0, dash), portPart, text, dash !== -1);
}

function build(addressText: string, portText: string | undefined, text: string, range: boolean): NatAddress | undefined {
  const address = parseCidr(addressText);
  if (!address || address.prefixLen !== (address.family === 4 ? 32 : 128)) return undefined;
  const result: NatAddress = { address, text, range };
  if (portText !== undefined && portText !== '') {
    // Newer kernels accept "port-range/base"; the base only shifts the mapping.
    const slash = portText.indexOf('/');
    const ports = parsePortRange(slash === -1 ? portText : portText.slice(0, slash), '-');
    if (!ports) return undefined;
    result.ports = ports;
  }
  return result;
}

/** The common case, "a.b.c.d" or "a.b.c.d:port", read without splitting or intermediate strings. */
function parseV4Target(text: string): NatAddress | undefined {
  const value = leadingV4(text);
  if (value === -1) return undefined;
  const ports = v4TargetPorts(text);
  if (ports === null) return undefined;
  const result: NatAddress = { address: { family: 4, network: BigInt(value), prefixLen: 32 }, text, range: false };
  if (ports) result.ports = ports;
  return result;
}

/**
 * The IPv4 address of a NAT target of the common form ("a.b.c.d", "a.b.c.d:port") as a number, without the
 * objects parseNatAddress makes: for grouping tens of thousands of DNATs by address. Undefined for any
 * other form, which parseNatAddress reads.
 */
export function natTargetV4(text: string): number | undefined {
  const value = leadingV4(text);
  if (value === -1) return undefined;
  const colon = text.indexOf(':');
  return colon === -1 || isPortRangeAt(text, colon + 1, '-') ? value : undefined;
}

const COLON = 58;
const SLASH = 47;

/**
 * A host block written "a.b.c.d" or "a.b.c.d/32" (as iptables-save prints -d) as a number, read without
 * the objects parseCidr makes: asked of every service VIP jump. -1 for any other text, which parseCidr reads.
 */
export function hostV4(text: string): number {
  const value = leadingV4(text, SLASH);
  if (value === -1) return -1;
  const slash = text.indexOf('/');
  return slash === -1 || (text.length === slash + 3 && text.endsWith('32')) ? value : -1;
}

/** "a.b.c.d" followed by nothing or the `terminator` character: the address as a number; -1 otherwise. */
function leadingV4(text: string, terminator = COLON): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else break;
  }
  if (dots !== 3 || digits === 0 || (i < text.length && text.charCodeAt(i) !== terminator)) return -1;
  return value * 256 + octet;
}

/** The ports after the ":" of a leadingV4 target: undefined without, null when unreadable. */
function v4TargetPorts(text: string): PortRange | undefined | null {
  const colon = text.indexOf(':');
  if (colon === -1) return undefined;
  return portRangeAt(text, colon + 1, '-') ?? null;
}
