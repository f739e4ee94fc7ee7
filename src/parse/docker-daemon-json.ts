/**
 * /etc/docker/daemon.json (dockerd(8), "Daemon configuration file"): one JSON object whose keys are the
 * long names of dockerd's flags. What the rules need, each with the line its key is on:
 * `iptables`, `ip6tables`, `ip-forward`, `ip-masq`, `userland-proxy` (booleans), `bip`, `fixed-cidr`,
 * `fixed-cidr-v6`, `bridge`, `firewall-backend` (strings), `default-address-pools` ([{ base, size }]),
 * `dns` ([addresses]). Every top-level key is kept with its line, so a flag given on dockerd's command line
 * as well can be named (dockerd refuses to start then). A value of the wrong type is noted and left out
 * (dockerd would refuse it too). Not JSON, or not an object, is an error with the line.
 */
import { clip, fail, type Evidence, type ParseInput, type Parsed, type ParseNote } from './common.js';
import { parseJsonDocument } from './json-syntax.js';

export interface Located<T> {
  value: T;
  evidence: Evidence;
}

export interface AddressPool {
  base: string;
  size: number;
}

export interface DockerDaemonJson {
  /** Every top-level key, with the line it is on. */
  keys: Map<string, Evidence>;
  iptables?: Located<boolean>;
  ip6tables?: Located<boolean>;
  ipForward?: Located<boolean>;
  ipMasq?: Located<boolean>;
  userlandProxy?: Located<boolean>;
  bip?: Located<string>;
  fixedCidr?: Located<string>;
  fixedCidrV6?: Located<string>;
  bridge?: Located<string>;
  firewallBackend?: Located<string>;
  defaultAddressPools?: Located<AddressPool[]>;
  dns?: Located<string[]>;
}

const BOOLEANS = { iptables: 'iptables', ip6tables: 'ip6tables', 'ip-forward': 'ipForward', 'ip-masq': 'ipMasq', 'userland-proxy': 'userlandProxy' } as const;
const STRINGS = { bip: 'bip', 'fixed-cidr': 'fixedCidr', 'fixed-cidr-v6': 'fixedCidrV6', bridge: 'bridge', 'firewall-backend': 'firewallBackend' } as const;
const MAX_DEPTH = 64;

export function parseDockerDaemonJson(input: ParseInput): Parsed<DockerDaemonJson> {
  const notes: ParseNote[] = [];
  const text = input.text.charCodeAt(0) === 0xfeff ? input.text.slice(1) : input.text;
  const result: DockerDaemonJson = { keys: new Map() };
  // dockerd accepts an empty file as no configuration.
  if (text.trim() === '') return { value: result, notes };
  const doc = parseJsonDocument({ source: input.source, text }, MAX_DEPTH, 'expected dockerd\'s daemon.json: one JSON object of daemon settings');
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    fail(input, `expected a JSON object of daemon settings, found ${Array.isArray(doc) ? 'an array' : doc === null ? 'null' : `a ${typeof doc}`}`, 1);
  }
  const lines = text.split(/\r\n|\r|\n/);
  for (const [key, line] of topLevelKeyLines(text, input)) {
    result.keys.set(key, { source: input.source, line, text: clip((lines[line - 1] ?? '').trim()) });
  }
  const record = doc as Record<string, unknown>;
  const at = (key: string): Evidence => result.keys.get(key) ?? { source: input.source, line: 1, text: clip((lines[0] ?? '').trim()) };
  const wrongType = (key: string, expected: string) =>
    notes.push({ source: input.source, line: at(key).line, message: `"${key}" should be ${expected}, found ${describe(record[key])}: ignored (dockerd refuses this file)`, dropped: true });

  for (const [key, field] of Object.entries(BOOLEANS)) {
    if (!Object.hasOwn(record, key)) continue;
    if (typeof record[key] === 'boolean') result[field] = { value: record[key], evidence: at(key) };
    else wrongType(key, 'true or false');
  }
  for (const [key, field] of Object.entries(STRINGS)) {
    if (!Object.hasOwn(record, key)) continue;
    if (typeof record[key] === 'string') result[field] = { value: record[key], evidence: at(key) };
    else wrongType(key, 'a string');
  }
  if (Object.hasOwn(record, 'default-address-pools')) {
    const pools = record['default-address-pools'];
    const valid = Array.isArray(pools) && pools.every((p) => typeof p === 'object' && p !== null && typeof (p as { base?: unknown }).base === 'string' && Number.isInteger((p as { size?: unknown }).size));
    if (valid) result.defaultAddressPools = { value: (pools as AddressPool[]).map((p) => ({ base: p.base, size: p.size })), evidence: at('default-address-pools') };
    else wrongType('default-address-pools', 'a list of { "base": CIDR, "size": prefix length }');
  }
  if (Object.hasOwn(record, 'dns')) {
    const dns = record['dns'];
    if (Array.isArray(dns) && dns.every((d) => typeof d === 'string')) result.dns = { value: dns as string[], evidence: at('dns') };
    else wrongType('dns', 'a list of addresses');
  }
  return { value: result, notes };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${clip(JSON.stringify(value), 40)}`;
}

/** The 1-based line of each key of the top-level object (the text is known to be valid JSON). */
function topLevelKeyLines(text: string, input: ParseInput): Map<string, number> {
  const keys = new Map<string, number>();
  let depth = 0;
  let line = 1;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    else if (c === '\r') {
      line++;
      if (text[i + 1] === '\n') i++;
    } else if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        // A duplicate key: JSON.parse keeps the last, and so does dockerd's decoder.
        keys.set(key, line);
        expectKey = false;
      }
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth > MAX_DEPTH) fail(input, `nested deeper than ${MAX_DEPTH} levels`, line);
      expectKey = depth === 1 && c === '{';
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}
