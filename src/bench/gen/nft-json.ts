/**
 * The JSON text `nft -j list ruleset` prints: one line, written by jansson without JSON_COMPACT, so
 * `", "` between items and `": "` after keys, keys in the order nft sets them, `/` not escaped.
 * Values are plain data; objects keep their insertion order.
 */
export type NftJsonValue = string | number | null | NftJsonValue[] | { [key: string]: NftJsonValue };

export function nftJsonText(value: NftJsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(nftJsonText).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}: ${nftJsonText(v)}`)
    .join(', ')}}`;
}

/* ---------- the expressions and statements kube-proxy's rules are made of, in nft's JSON form ---------- */

export const payload = (protocol: string, field: string): NftJsonValue => ({ payload: { protocol, field } });
export const meta = (key: string): NftJsonValue => ({ meta: { key } });
export const concat = (...parts: NftJsonValue[]): NftJsonValue => ({ concat: parts });
export const match = (op: '==' | '!=' | 'in', left: NftJsonValue, right: NftJsonValue): NftJsonValue => ({ match: { op, left, right } });
export const prefix = (cidr: string): NftJsonValue => {
  const [addr = '', len = '0'] = cidr.split('/');
  return { prefix: { addr, len: Number(len) } };
};
export const jump = (target: string): NftJsonValue => ({ jump: { target } });
export const goto = (target: string): NftJsonValue => ({ goto: { target } });
export const vmap = (key: NftJsonValue, data: NftJsonValue): NftJsonValue => ({ vmap: { key, data } });
/** `reject` as nft lists it in an ip or ip6 table. */
export const reject = (family: 'ip' | 'ip6'): NftJsonValue => ({ reject: { type: family === 'ip' ? 'icmp' : 'icmpv6', expr: 'port-unreachable' } });
export const ctStateNew: NftJsonValue = match('in', { ct: { key: 'state' } }, 'new');
