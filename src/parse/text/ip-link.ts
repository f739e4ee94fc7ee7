/**
 * `ip link`, `ip -d link`, `ip -s -d link`, `ip -o link` as plain text, into the records `ip -j -d link`
 * parses into. The text names a peer's namespace (`link-netns NAME`) where JSON gives its id: the id is
 * known only where the text prints `link-netnsid N`, the name is kept where it prints the name.
 */
import { clip, fail, type ParseInput, type Parsed } from '../common.js';
import type { IpLinkEntry } from '../types.js';
import { headerText, integerField, readLinkHeader, readLinkLayer } from './link-header.js';
import { isLinkInfoLine, readLinkInfoLine, type LinkInfoText } from './link-info.js';
import { expandOneLine, iprouteErrorNote, isIndented, readPaste, words } from './paste.js';
import { put } from './record.js';

const EXPECTED = 'expected the output of `ip link` or `ip -d link` (`N: NAME: <FLAGS> mtu ...` lines, each followed by an indented `link/...` line)';

/** `@if12`: a link by index, printed so when the peer is in another namespace (or unknown here). */
const LINK_BY_INDEX = /^if(\d+)$/;

interface OpenLink {
  entry: IpLinkEntry;
  linkRef: string | undefined;
  info: LinkInfoText;
  /** Kind and port lines come after the link-layer line. */
  sawLinkLayer: boolean;
  /** The link-layer line names the peer's namespace (`link-netns`, `link-netnsid`). */
  otherNetns: boolean;
}

export function parseIpLinkText(input: ParseInput): Parsed<IpLinkEntry[]> {
  const paste = readPaste(input);
  const notes = [...paste.notes];
  const entries: IpLinkEntry[] = [];
  let open: OpenLink | undefined;
  const close = (): void => {
    if (open) entries.push(finish(open));
    open = undefined;
  };
  for (const l of expandOneLine(paste.lines)) {
    const header = readLinkHeader(l.text);
    if (header) {
      close();
      const entry: IpLinkEntry = { ifindex: header.ifindex, ifname: header.ifname, flags: header.flags, line: l.line, text: headerText(l.text) };
      put(entry, 'mtu', integerField(header.fields, 'mtu'));
      put(entry, 'operstate', header.fields.get('state'));
      put(entry, 'master', header.fields.get('master'));
      open = { entry, linkRef: header.linkRef, info: {}, sawLinkLayer: false, otherNetns: false };
      continue;
    }
    const error = iprouteErrorNote(input.source, l);
    if (error) {
      close();
      notes.push(error);
      continue;
    }
    if (!isIndented(l.text)) fail(input, `not a line of \`ip link\`: ${clip(l.text)}`, l.line, EXPECTED);
    if (!open) fail(input, `indented line before any interface: ${clip(l.text)}`, l.line, EXPECTED);
    const layer = readLinkLayer(l.text);
    if (layer) {
      const entry = open.entry;
      entry.linkType = layer.linkType;
      put(entry, 'address', layer.address);
      put(entry, 'linkNetnsId', layer.netnsId);
      put(entry, 'linkNetnsName', layer.netnsName);
      open.sawLinkLayer = true;
      open.otherNetns = layer.netnsId !== undefined || layer.netnsName !== undefined;
      continue;
    }
    const first = words(l.text)[0];
    if (first === 'alias') {
      open.entry.alias = l.text.trim().slice('alias '.length);
      continue;
    }
    if (open.sawLinkLayer && isLinkInfoLine(l.text)) readLinkInfoLine(l.text, open.info);
    // Statistics (`-s`), altname, vf and xdp lines are not part of the record.
  }
  close();
  return { value: entries, notes };
}

function finish(open: OpenLink): IpLinkEntry {
  const entry = open.entry;
  const ref = open.linkRef;
  if (ref !== undefined && ref !== 'NONE') {
    const byIndex = LINK_BY_INDEX.exec(ref);
    // iproute2 prints `link_index` (and `@ifN`) when the peer lives in another namespace, else the peer's name.
    if (byIndex && open.otherNetns) entry.linkIndex = Number(byIndex[1]);
    else entry.link = ref;
  }
  const { kind, slaveKind, infoData, slaveData } = open.info;
  put(entry, 'kind', kind);
  put(entry, 'slaveKind', slaveKind);
  put(entry, 'infoData', infoData);
  put(entry, 'slaveData', slaveData);
  return entry;
}
