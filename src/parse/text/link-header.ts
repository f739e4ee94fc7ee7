/**
 * The first two lines iproute2 prints for every interface, shared by `ip link`, `ip addr` and `bridge link`:
 *   `7: up0@up1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000`
 *   `    link/ether 76:72:d4:39:be:b5 brd ff:ff:ff:ff:ff:ff link-netnsid 0`
 */
import { clip } from '../common.js';
import { words } from './paste.js';

export interface LinkHeaderText {
  ifindex: number;
  ifname: string;
  /** What follows the name's "@": a peer or lower device name, `ifN`, or `NONE`. */
  linkRef?: string;
  flags: string[];
  /** Header keys and their values (mtu, qdisc, master, state, mode, group, qlen, ...). */
  fields: Map<string, string>;
}

const HEADER = /^(\d+):\s+(\S+?):\s+<([^<>\s]*)>(.*)$/;

export function isLinkHeader(text: string): boolean {
  return HEADER.test(text);
}

/** The header line's parts; undefined when the line is not one. */
export function readLinkHeader(text: string): LinkHeaderText | undefined {
  const m = HEADER.exec(text);
  if (!m) return undefined;
  const ifindex = Number(m[1]);
  if (!Number.isSafeInteger(ifindex)) return undefined;
  const name = m[2] as string;
  // An interface name cannot hold "@" in what iproute2 prints before the link: the last "@" separates them.
  const at = name.lastIndexOf('@');
  const header: LinkHeaderText = {
    ifindex,
    ifname: at > 0 ? name.slice(0, at) : name,
    flags: (m[3] as string) === '' ? [] : (m[3] as string).split(','),
    fields: new Map(),
  };
  if (at > 0 && at < name.length - 1) header.linkRef = name.slice(at + 1);
  const rest = words(m[4] as string);
  for (let i = 0; i + 1 < rest.length; i += 2) header.fields.set(rest[i] as string, rest[i + 1] as string);
  return header;
}

export interface LinkLayerText {
  linkType: string;
  address?: string;
  /** `link-netnsid N`. */
  netnsId?: number;
  /** `link-netns NAME`: the peer's namespace by name (its id is not printed then). */
  netnsName?: string;
}

const LINK_KEYWORDS = new Set(['brd', 'peer', 'link-netns', 'link-netnsid', 'permaddr', 'promiscuity']);

/** `link/ether ADDR brd BRD link-netnsid 0 ...`; undefined when the line is not a link-layer line. */
export function readLinkLayer(text: string): LinkLayerText | undefined {
  const w = words(text);
  const first = w[0];
  if (first === undefined || !first.startsWith('link/') || first.length === 5) return undefined;
  const layer: LinkLayerText = { linkType: first.slice(5) };
  const address = w[1];
  if (address !== undefined && !LINK_KEYWORDS.has(address)) layer.address = address;
  for (let i = 1; i + 1 < w.length; i++) {
    if (w[i] === 'link-netnsid' && /^\d+$/.test(w[i + 1] as string)) layer.netnsId = Number(w[i + 1]);
    if (w[i] === 'link-netns') layer.netnsName = w[i + 1] as string;
  }
  return layer;
}

/** A whole number field of the header, when it is one. */
export function integerField(fields: Map<string, string>, key: string): number | undefined {
  const text = fields.get(key);
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

export function headerText(text: string): string {
  return clip(text.trim());
}
