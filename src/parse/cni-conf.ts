/**
 * CNI network configuration (/etc/cni/net.d): a `*.conflist` (`{ "name", "cniVersion", "plugins": [...] }`)
 * or a single-plugin `*.conf` / `*.json` (`{ "name", "type", ... }`), as the CNI specification defines them.
 * What the rules need from them, each with the line it is on:
 * - the bridge plugin's `bridge` (default `cni0`) and its host-local IPAM `subnet` or `ranges[][].subnet`
 *   (with `gateway`);
 * - the flannel plugin (`"type": "flannel"`), which builds a bridge configuration at run time from
 *   /run/flannel/subnet.env (`subnetFile`) and delegates to the bridge plugin: bridge `delegate.bridge`
 *   (default `cni0`).
 *
 * And the host-local IPAM store /var/lib/cni/networks/<network>/: a file named by each allocated address
 * (holding the container id and interface), `last_reserved_ip.<range>` and `lock`.
 */
import { parseCidr } from '../model/net.js';
import { clip, fail, splitLines, type ParseInput, type Parsed, type ParseNote } from './common.js';
import { parseJsonDocument } from './json-syntax.js';
import { pasteDamage } from './pasted-lines.js';

export interface Located<T> {
  value: T;
  line: number;
  text: string;
}

export interface CniIpamSubnet {
  /** As written ("10.244.1.0/24"). */
  subnet: Located<string>;
  gateway?: Located<string>;
}

export interface CniPlugin {
  type: Located<string>;
  /** The bridge the plugin creates (bridge plugin, or flannel's delegate); the default cni0 when not named. */
  bridge?: { name: string; line: number; text: string; defaulted: boolean };
  /** host-local (or other) IPAM: its type and subnets. */
  ipam?: { type: string; subnets: CniIpamSubnet[] };
  /** flannel: the subnet file it reads (default /run/flannel/subnet.env). */
  subnetFile?: string;
}

export interface CniNetworkConf {
  /** The network name (the directory under /var/lib/cni/networks/ that host-local uses). */
  name?: Located<string>;
  /** A conflist (plugins array) rather than a single plugin's configuration. */
  list: boolean;
  plugins: CniPlugin[];
}

const DEFAULT_BRIDGE = 'cni0';
export const DEFAULT_FLANNEL_SUBNET_FILE = '/run/flannel/subnet.env';
const MAX_DEPTH = 32;

export function parseCniConf(input: ParseInput): Parsed<CniNetworkConf> {
  const notes: ParseNote[] = [];
  // A prompt and the command pasted around the file: blanked, so every other line keeps its number.
  const damage = pasteDamage(input, { comments: false });
  notes.push(...damage.notes);
  const original = input.text.charCodeAt(0) === 0xfeff ? input.text.slice(1) : input.text;
  const text = damage.skipped.size === 0 ? original : original.split(/\r\n|\r|\n/).map((l, i) => (damage.skipped.has(i + 1) ? '' : l)).join('\n');
  const doc = parseJsonDocument({ source: input.source, text }, MAX_DEPTH, 'expected a CNI network configuration (a .conflist or .conf file of /etc/cni/net.d)');
  if (!isObject(doc)) fail(input, 'a CNI network configuration is a JSON object', 1);
  const lines = splitLines(text);
  const positions = jsonPositions(text, input);
  const located = <T>(pointer: string, value: T): Located<T> => {
    const line = positions.get(pointer) ?? 1;
    return { value, line, text: clip(lines[line - 1] ?? '') };
  };

  const conf: CniNetworkConf = { list: Object.hasOwn(doc, 'plugins'), plugins: [] };
  if (typeof doc['name'] === 'string') conf.name = located('/name', doc['name']);
  const pluginDocs: [unknown, string][] = conf.list
    ? Array.isArray(doc['plugins'])
      ? (doc['plugins'] as unknown[]).map((p, i) => [p, `/plugins/${i}`])
      : fail(input, '"plugins" is not an array', positions.get('/plugins') ?? 1)
    : [[doc, '']];
  for (const [plugin, at] of pluginDocs) {
    if (!isObject(plugin)) fail(input, `${at || 'the configuration'}: a plugin is a JSON object`, positions.get(at) ?? 1);
    if (typeof plugin['type'] !== 'string') {
      notes.push({ source: input.source, line: positions.get(at) ?? 1, message: `${at || 'the configuration'}: plugin without a "type", skipped`, dropped: true });
      continue;
    }
    const type = plugin['type'];
    const out: CniPlugin = { type: located(`${at}/type`, type) };
    if (type === 'bridge') out.bridge = bridgeOf(plugin, at, located);
    if (type === 'flannel') {
      const delegate = isObject(plugin['delegate']) ? plugin['delegate'] : {};
      out.bridge = bridgeOf(delegate, `${at}/delegate`, located, out.type);
      out.subnetFile = typeof plugin['subnetFile'] === 'string' ? plugin['subnetFile'] : DEFAULT_FLANNEL_SUBNET_FILE;
    }
    if (isObject(plugin['ipam'])) out.ipam = ipamOf(plugin['ipam'], `${at}/ipam`, located, input);
    conf.plugins.push(out);
  }
  return { value: conf, notes };
}

type Locate = <T>(pointer: string, value: T) => Located<T>;

function bridgeOf(plugin: Record<string, unknown>, at: string, located: Locate, fallback?: Located<string>): CniPlugin['bridge'] {
  if (typeof plugin['bridge'] === 'string' && plugin['bridge'] !== '') {
    const l = located(`${at}/bridge`, plugin['bridge']);
    return { name: l.value, line: l.line, text: l.text, defaulted: false };
  }
  const l = fallback ?? located(`${at}/type`, '');
  return { name: DEFAULT_BRIDGE, line: l.line, text: l.text, defaulted: true };
}

function ipamOf(ipam: Record<string, unknown>, at: string, located: Locate, input: ParseInput): CniPlugin['ipam'] {
  const subnets: CniIpamSubnet[] = [];
  const add = (entry: Record<string, unknown>, pointer: string) => {
    if (typeof entry['subnet'] !== 'string') return;
    const subnet = located(`${pointer}/subnet`, entry['subnet']);
    if (parseCidr(subnet.value) === undefined || !subnet.value.includes('/')) fail(input, `${pointer}/subnet: "${clip(subnet.value, 60)}" is not a subnet`, subnet.line);
    const item: CniIpamSubnet = { subnet };
    if (typeof entry['gateway'] === 'string') item.gateway = located(`${pointer}/gateway`, entry['gateway']);
    subnets.push(item);
  };
  add(ipam, at);
  if (Array.isArray(ipam['ranges'])) {
    (ipam['ranges'] as unknown[]).forEach((set, i) => {
      if (!Array.isArray(set)) return;
      set.forEach((range, j) => {
        if (isObject(range)) add(range, `${at}/ranges/${i}/${j}`);
      });
    });
  }
  return { type: typeof ipam['type'] === 'string' ? ipam['type'] : '', subnets };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The line of every value of a valid JSON document, by JSON pointer ("/plugins/0/ipam/subnet"). The document
 * was accepted by JSON.parse, so the scan only has to follow its structure.
 */
export function jsonPositions(text: string, input: ParseInput): Map<string, number> {
  const positions = new Map<string, number>();
  let i = 0;
  let line = 1;
  const skipSpace = () => {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c === '\r') {
        line++;
        if (text[i + 1] === '\n') i++;
      } else if (c !== ' ' && c !== '\t') return;
    }
  };
  const readString = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (pointer: string, depth: number): void => {
    if (depth > MAX_DEPTH) fail(input, `nested deeper than ${MAX_DEPTH} levels`, line);
    skipSpace();
    positions.set(pointer, line);
    const c = text[i];
    if (c === '{') {
      i++;
      skipSpace();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipSpace();
        const key = readString();
        skipSpace();
        i++; // ':'
        value(`${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth + 1);
        skipSpace();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${pointer}/${n}`, depth + 1);
        skipSpace();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') {
      readString();
      return;
    }
    while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };
  value('', 0);
  return positions;
}

/* ---------- /var/lib/cni/networks/<network>/ ---------- */

export interface IpamAllocation {
  network: string;
  address: string;
  /** The container id the file holds (its first line). */
  container?: string;
  /** The path of the file, for evidence. */
  path: string;
  line: number;
  text: string;
}

const IPAM_DIR = /^\/var\/lib\/cni\/networks\/([^/]+)\/([^/]+)$/;

/**
 * One file of the host-local store: an allocation when its name is an address; undefined for
 * last_reserved_ip.N, lock and anything else.
 */
export function readIpamFile(path: string, content: string): IpamAllocation | undefined {
  const m = IPAM_DIR.exec(path);
  if (!m) return undefined;
  const name = m[2] as string;
  const parsed = parseCidr(name);
  if (!parsed || name.includes('/')) return undefined;
  const first = splitLines(content)[0]?.trim() ?? '';
  const allocation: IpamAllocation = { network: m[1] as string, address: name, path, line: 1, text: clip(first) };
  if (first !== '') allocation.container = first;
  return allocation;
}
