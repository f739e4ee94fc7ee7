/**
 * Addresses in, addresses out: the class-keeping prefix-preserving permutation (crypto-pan.ts over the
 * blocks of address-classes.ts) for IPv4 and IPv6, and the MAC permutation (mac.ts), with the two tied
 * together where IPv6 holds a MAC: an EUI-64 interface identifier is rewritten from the mapped MAC, so
 * fe80::42:acff:fe11:2 stays the link-local address of the interface whose MAC it names.
 *
 * IPv4-mapped IPv6 (::ffff:10.0.0.1) is written with the IPv4 mapping. Results are cached per text.
 */
import { classify } from './address-classes.js';
import { CryptoPan } from './crypto-pan.js';
import { formatIpv4, formatIpv6, networkOf, parseIpv4, parseIpv6 } from './ip-text.js';
import { formatMac, isEui64, macFromEui64, MacPermutation, parseMac, writeEui64 } from './mac.js';

export interface AddressKeys {
  /** 32 bytes for Crypto-PAn. */
  prefix: Buffer;
  /** 16 bytes for the MAC permutation. */
  mac: Buffer;
}

/** Cached for text that is not an address (counters like 0:0 repeat on every rule line). */
const NOT_AN_ADDRESS = '';
const IPV4_MAPPED_PREFIX = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
/** An EUI-64 address keeps its first 64 bits prefix-preserving; the identifier comes from the MAC. */
const IPV6_NETWORK_BITS = 64;

export class AddressMapper {
  private readonly pan: CryptoPan;
  private readonly macs: MacPermutation;
  private readonly cache = new Map<string, string>();

  constructor(keys: AddressKeys) {
    this.pan = new CryptoPan(keys.prefix);
    this.macs = new MacPermutation(keys.mac);
  }

  ipv4Bytes(address: Uint8Array): Uint8Array {
    return this.pan.anonymize(address, classify(address).frozen);
  }

  ipv6Bytes(address: Uint8Array): Uint8Array {
    if (isIpv4Mapped(address)) {
      const out = Uint8Array.from(address);
      out.set(this.ipv4Bytes(address.subarray(12)), 12);
      return out;
    }
    const { frozen } = classify(address);
    if (!isEui64(address) || frozen >= 128) return this.pan.anonymize(address, frozen);
    const out = this.pan.anonymize(address, Math.min(frozen, IPV6_NETWORK_BITS), IPV6_NETWORK_BITS);
    writeEui64(out, this.macs.map(macFromEui64(address)));
    return out;
  }

  macBytes(mac: Uint8Array): Uint8Array {
    return this.macs.map(mac);
  }

  /** An IPv4 address as text, mapped; undefined when the text is not one. */
  ipv4(text: string): string | undefined {
    return this.cached(`4${text}`, () => {
      const bytes = parseIpv4(text);
      return bytes && formatIpv4(this.ipv4Bytes(bytes));
    });
  }

  ipv6(text: string): string | undefined {
    return this.cached(`6${text}`, () => {
      const bytes = parseIpv6(text);
      if (!bytes) return undefined;
      const mapped = this.ipv6Bytes(bytes);
      return isIpv4Mapped(bytes) && text.includes('.') ? `::ffff:${formatIpv4(mapped.subarray(12))}` : formatIpv6(mapped);
    });
  }

  mac(text: string): string | undefined {
    return this.cached(`m${text}`, () => {
      const bytes = parseMac(text);
      return bytes && formatMac(this.macs.map(bytes), text);
    });
  }

  /**
   * A network written as ADDRESS/LENGTH: when the original's host bits are all zero (a network, not an
   * interface address with its prefix length), so are the image's, keeping `172.17.0.0/16` a network.
   */
  network(address: string, length: number): string | undefined {
    const v4 = parseIpv4(address);
    if (v4) {
      if (length > 32) return undefined;
      const mapped = this.ipv4(address)!;
      return isNetwork(v4, length) ? formatIpv4(networkOf(parseIpv4(mapped)!, length)) : mapped;
    }
    const v6 = parseIpv6(address);
    if (!v6 || length > 128) return undefined;
    const mapped = this.ipv6(address)!;
    if (!isNetwork(v6, length)) return mapped;
    const net = networkOf(parseIpv6(mapped)!, length);
    return isIpv4Mapped(net) && address.includes('.') ? `::ffff:${formatIpv4(net.subarray(12))}` : formatIpv6(net);
  }

  // ---- the inverse, for `redact --reveal` ----

  revealIpv4(bytes: Uint8Array): Uint8Array {
    return this.pan.deanonymize(bytes, classify(bytes).frozen);
  }

  revealIpv6(bytes: Uint8Array): Uint8Array {
    if (isIpv4Mapped(bytes)) {
      const out = Uint8Array.from(bytes);
      out.set(this.revealIpv4(bytes.subarray(12)), 12);
      return out;
    }
    return this.revealIpv6Candidates(bytes)[0]!;
  }

  /**
   * The originals an IPv6 image may come from. An image that reads as EUI-64 (ff:fe in the middle of its
   * interface identifier) comes from an EUI-64 original, listed first, or from a plain identifier whose
   * image holds ff:fe there by chance (one in 65,536), listed second: both map to it, and only the
   * reporter knows which address the host had.
   */
  revealIpv6Candidates(bytes: Uint8Array): Uint8Array[] {
    if (isIpv4Mapped(bytes)) return [this.revealIpv6(bytes)];
    const { frozen } = classify(bytes);
    const plain = this.pan.deanonymize(bytes, frozen);
    if (!isEui64(bytes) || frozen >= 128) return [plain];
    const out = this.pan.deanonymize(bytes, Math.min(frozen, IPV6_NETWORK_BITS), IPV6_NETWORK_BITS);
    writeEui64(out, this.macs.unmap(macFromEui64(bytes)));
    return isEui64(plain) ? [out] : [out, plain];
  }

  revealMac(bytes: Uint8Array): Uint8Array {
    return this.macs.unmap(bytes);
  }

  private cached(key: string, compute: () => string | undefined): string | undefined {
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit === NOT_AN_ADDRESS ? undefined : hit;
    const value = compute();
    this.cache.set(key, value ?? NOT_AN_ADDRESS);
    return value;
  }
}

function isIpv4Mapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && IPV4_MAPPED_PREFIX.every((b, i) => bytes[i] === b);
}

function isNetwork(bytes: Uint8Array, length: number): boolean {
  const net = networkOf(bytes, length);
  return net.every((b, i) => b === bytes[i]);
}
