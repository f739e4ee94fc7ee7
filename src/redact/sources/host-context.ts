/**
 * The host-context sources' redaction, each line kept where it was (evidence quotes lines):
 * - nmcli-device: the CONNECTION column is a profile name, often an SSID or a host name: a `text-…` token
 *   (escaped for nmcli's terse form); device names, types and states kept (interface names as elsewhere);
 * - nm-conf (NetworkManager.conf and conf.d) and networkd (.network files): comments become tokens; device lists keep their structure, their
 *   MACs mapped like every other MAC of the snapshot (so `mac:` specs still match the redacted ip link);
 *   other values have their addresses mapped and names replaced; URLs and host names (connectivity checks,
 *   DNS servers' names) become tokens;
 * - cni-json (CNI network configurations): keys kept, the values the model reads kept (plugin types, bridge
 *   and network names, booleans, numbers) with addresses mapped (subnet, ranges, gateway, routes); every other
 *   string (kubeconfig paths, etcd endpoints, URLs, labels) a token.
 */
import { escapeTerse, splitTerse } from '../../parse/nmcli.js';
import { UnredactableSource, type RedactContext } from '../context.js';
import { redactText } from '../text-scan.js';

const TABULAR_HEADER = /^DEVICE\s+TYPE\s+STATE\s+CONNECTION\s*$/;

export function redactNmcli(text: string, ctx: RedactContext): string {
  const lines = text.split('\n');
  let columns: number[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const cr = line.endsWith('\r') ? '\r' : '';
    const body = cr ? line.slice(0, -1) : line;
    if (body.trim() === '') continue;
    if (TABULAR_HEADER.test(body.trimEnd())) {
      columns = ['TYPE', 'STATE', 'CONNECTION'].map((h) => body.indexOf(h));
      continue;
    }
    if (columns) {
      lines[i] = `${redactTabular(body, columns, ctx, i + 1)}${cr}`;
      continue;
    }
    const fields = splitTerse(body);
    if (fields.length !== 4) {
      lines[i] = `${redactText(body, ctx)}${cr}`;
      continue;
    }
    const [device, type, state, connection] = fields as [string, string, string, string];
    lines[i] = `${[redactText(device, ctx), type, state, connection === '' || connection === '--' ? connection : ctx.tokens.token('text', connection)].map(escapeTerse).join(':')}${cr}`;
  }
  return lines.join('\n');
}

/** A line of `nmcli device`: the first three columns re-padded to their widths, the connection a token. */
function redactTabular(line: string, [type, state, connection]: number[], ctx: RedactContext, lineNo: number): string {
  if (line.length <= connection!) return redactText(line, ctx);
  const cells = [line.slice(0, type), line.slice(type, state), line.slice(state, connection)];
  const last = line.slice(connection).trim();
  const widths = [type!, state! - type!, connection! - state!];
  const out = cells.map((cell, k) => {
    const value = k === 0 ? redactText(cell.trim(), ctx) : cell.trim();
    if (value.length >= widths[k]!) throw new UnredactableSource('a redacted device name no longer fits its column of `nmcli device`', lineNo);
    return value.padEnd(widths[k]!);
  });
  return `${out.join('')}${last === '--' || last === '' ? last : ctx.tokens.token('text', last)}`;
}

const DEVICE_LIST_KEYS = new Set(['unmanaged-devices', 'match-device', 'no-auto-default', 'ignore-carrier']);
/** .network [Match] keys: interface names and kinds (`vxlan.calico` is no host name), MACs mapped. */
const MATCH_KEYS = new Set(['Name', 'OriginalName', 'Type', 'Kind', 'Driver', 'MACAddress', 'PermanentMACAddress', 'Unmanaged']);
const URL_OR_HOST = /\b[a-z][a-z0-9+.-]*:\/\/[^\s;,]+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b/gi;

export function redactNmConf(text: string, ctx: RedactContext): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const comment = /^(\s*[#;]\s?)(.*)$/.exec(line);
    if (comment) {
      if (comment[2]!.trim() !== '') lines[i] = `${comment[1]}${ctx.tokens.token('comment', comment[2]!)}`;
      continue;
    }
    const kv = /^(\s*[^=[\]\s]+?\s*(?:\+=|-=|=)\s*)(.*)$/.exec(line);
    if (!kv) {
      lines[i] = redactText(line, ctx);
      continue;
    }
    const key = kv[1]!.replace(/\s*(?:\+=|-=|=)\s*$/, '').trim();
    // Device lists: specs keep their structure (interface-name:, mac:, type:), MACs and names mapped.
    const value = DEVICE_LIST_KEYS.has(key)
      ? redactDeviceList(kv[2]!, ctx)
      : MATCH_KEYS.has(key)
        ? redactText(kv[2]!, ctx)
        : redactText(kv[2]!, ctx).replace(URL_OR_HOST, (m) => ctx.tokens.token('text', m));
    lines[i] = `${kv[1]}${value}`;
  }
  return lines.join('\n');
}

/** A spec's MAC (`mac:HWADDR`, or a bare one) as the snapshot's MACs map; the rest as plain text. */
const SPEC_MAC = /(^|[;,]\s*)((?:except:)?(?:mac:)?)([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5,19})(?=\s*(?:[;,]|$))/g;

function redactDeviceList(value: string, ctx: RedactContext): string {
  return value
    .split(/(?<=[;,])/)
    .map((part) => {
      SPEC_MAC.lastIndex = 0;
      const m = SPEC_MAC.exec(part);
      if (!m) return redactText(part, ctx);
      const mapped = ctx.addresses.mac(m[3]!);
      if (mapped === undefined) throw new UnredactableSource(`a MAC the redactor cannot map: ${m[3]!.length} characters`);
      return `${part.slice(0, m.index)}${m[1]}${m[2]}${mapped}${part.slice(m.index + m[0].length)}`;
    })
    .join('');
}

/** CNI keys whose string values the model reads or a reader needs: kept (addresses mapped). */
const CNI_KEPT = new Set(['cniVersion', 'name', 'type', 'bridge', 'subnet', 'rangeStart', 'rangeEnd', 'gateway', 'dst', 'gw', 'mode', 'master', 'subnetFile', 'dataDir', 'ipam', 'vlan', 'hairpinMode', 'isGateway', 'isDefaultGateway', 'ipMasq', 'mtu']);

export function redactCniJson(text: string, ctx: RedactContext): string {
  const out: string[] = [];
  let last = 0;
  let line = 1;
  let key: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (c !== '"') continue;
    const start = i;
    for (i++; i < text.length && text[i] !== '"'; i++) {
      if (text[i] === '\\') i++;
      if (text[i] === '\n') throw new UnredactableSource('a string the redactor could not follow', line);
    }
    if (i >= text.length) throw new UnredactableSource('a string the redactor could not follow', line);
    let value: string;
    try {
      value = JSON.parse(text.slice(start, i + 1)) as string;
    } catch {
      throw new UnredactableSource('a string the redactor could not follow', line);
    }
    if (/^\s*:/.test(text.slice(i + 1, i + 20))) {
      key = value;
      continue;
    }
    // A string inside an array keeps the key the array belongs to (ranges, routes, capabilities).
    const replacement = key !== undefined && CNI_KEPT.has(key) ? redactText(value, ctx) : value === '' ? value : ctx.tokens.token('text', value);
    out.push(text.slice(last, start), JSON.stringify(replacement));
    last = i + 1;
  }
  out.push(text.slice(last));
  return out.join('');
}
