/**
 * `netaudit redact --reveal VALUE`: a redacted IPv4 or IPv6 address (or network), MAC, or token mapped back
 * with the key it was made with. Undefined when the value is none of these, or a token this key did not issue.
 */
import { AddressMapper } from './addresses.js';
import { formatIpv4, formatIpv6, networkOf, parseIpv4, parseIpv6 } from './ip-text.js';
import { addressKeys, type RedactKey } from './key.js';
import { formatMac, parseMac } from './mac.js';

export function revealValue(value: string, key: RedactKey): string | undefined {
  const text = value.trim();
  const token = key.tokens.get(text);
  if (token !== undefined) return token;
  const mapper = new AddressMapper(addressKeys(key));
  const network = /^(.+)\/(\d{1,3})$/.exec(text);
  if (network) {
    const address = revealAddress(network[1]!, mapper);
    const length = Number(network[2]);
    if (address === undefined || length > address.length * 8) return undefined;
    return `${format(networkOf(address, length))}/${length}`;
  }
  const v6 = network ? undefined : parseIpv6(text);
  if (v6) {
    const [first, other] = mapper.revealIpv6Candidates(v6).map(format);
    return other === undefined ? first : `${first} (or ${other}: the image reads as an EUI-64 identifier, which a plain identifier also maps to once in 65,536)`;
  }
  const address = revealAddress(text, mapper);
  if (address) return format(address);
  const mac = parseMac(text);
  return mac && formatMac(mapper.revealMac(mac), text);
}

function revealAddress(text: string, mapper: AddressMapper): Uint8Array | undefined {
  const v4 = parseIpv4(text);
  if (v4) return mapper.revealIpv4(v4);
  const v6 = parseIpv6(text);
  return v6 && mapper.revealIpv6(v6);
}

function format(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
}
