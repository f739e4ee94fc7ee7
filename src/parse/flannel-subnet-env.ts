/**
 * flannel's /run/flannel/subnet.env: the lease flanneld took for this node, written as shell assignments
 * that the flannel CNI plugin reads to build its bridge (cni0) configuration:
 *
 *     FLANNEL_NETWORK=10.244.0.0/16
 *     FLANNEL_SUBNET=10.244.1.1/24
 *     FLANNEL_MTU=1450
 *     FLANNEL_IPMASQ=true
 *
 * FLANNEL_SUBNET is the bridge's address with the node subnet's prefix length (the gateway of the pods).
 * Dual-stack nodes add FLANNEL_IPV6_NETWORK and FLANNEL_IPV6_SUBNET.
 */
import { parseCidr } from '../model/net.js';
import { clip, fail, type ParseInput, type ParseNote, type Parsed } from './common.js';
import { configLines } from './pasted-lines.js';

export interface EnvValue {
  value: string;
  line: number;
  text: string;
}

export interface FlannelSubnetEnv {
  /** Every assignment by name (the last one of a name wins, as in sh). */
  values: Map<string, EnvValue>;
}

/** Keys whose value must be a CIDR, an integer or a boolean: a wrong value is a located error. */
const CIDR_KEYS = new Set(['FLANNEL_NETWORK', 'FLANNEL_SUBNET', 'FLANNEL_IPV6_NETWORK', 'FLANNEL_IPV6_SUBNET']);
const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

export function parseFlannelSubnetEnv(input: ParseInput): Parsed<FlannelSubnetEnv> {
  const notes: ParseNote[] = [];
  const values = new Map<string, EnvValue>();
  for (const { line: lineNo, text, raw } of configLines(input, notes)) {
    const m = ASSIGNMENT.exec(text);
    if (!m) fail(input, `not a NAME=value line: ${clip(text, 80)}`, lineNo, 'expected /run/flannel/subnet.env as flanneld writes it (FLANNEL_SUBNET=10.244.1.1/24 ...)');
    const name = m[1] as string;
    const value = unquote((m[2] as string).trim());
    if (CIDR_KEYS.has(name) && parseCidr(value) === undefined) fail(input, `${name}: "${clip(value, 60)}" is not an address with a prefix length`, lineNo);
    if (CIDR_KEYS.has(name) && !value.includes('/')) fail(input, `${name}: "${clip(value, 60)}" has no prefix length`, lineNo);
    if (name === 'FLANNEL_MTU' && !/^\d{1,5}$/.test(value)) fail(input, `FLANNEL_MTU: "${clip(value, 30)}" is not a number`, lineNo);
    if (name === 'FLANNEL_IPMASQ' && value !== 'true' && value !== 'false') fail(input, `FLANNEL_IPMASQ: "${clip(value, 30)}" is neither true nor false`, lineNo);
    if (values.has(name)) notes.push({ source: input.source, line: lineNo, message: `${name} assigned again: this value wins` });
    values.set(name, { value, line: lineNo, text: clip(raw) });
  }
  return { value: { values }, notes };
}

function unquote(value: string): string {
  if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) return value.slice(1, -1);
  return value;
}
