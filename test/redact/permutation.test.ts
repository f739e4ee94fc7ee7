/** The permutations: Crypto-PAn's published vectors, prefix preservation, classes kept, MACs and EUI-64, the inverse. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/redact/address-classes.js';
import { AddressMapper } from '../../src/redact/addresses.js';
import { CryptoPan } from '../../src/redact/crypto-pan.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../src/redact/ip-text.js';

/** The sample key of the Crypto-PAn reference distribution, and pairs from its sample trace (IPv4), and the IPv6 extension's. */
const REFERENCE_KEY = Buffer.from([21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16, 216, 152, 143, 131, 121, 121, 101, 39, 98, 87, 76, 45, 42, 132, 34, 2]);
const V4_VECTORS = [
  ['128.11.68.132', '135.242.180.132'],
  ['129.118.74.4', '134.136.186.123'],
  ['130.132.252.244', '133.68.164.234'],
  ['141.223.7.43', '141.167.8.160'],
  ['192.102.249.13', '252.138.62.131'],
  ['207.188.7.45', '241.255.249.220'],
  ['24.0.250.221', '100.15.198.226'],
  ['64.14.118.196', '0.255.183.58'],
  ['10.185.25.118', '117.161.29.118'],
] as const;
const V6_VECTORS = [
  ['::1', '78ff:f001:9fc0:20df:8380:b1f1:704:ed'],
  ['::2', '78ff:f001:9fc0:20df:8380:b1f1:704:ef'],
  ['2001:db8::1', '4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e'],
] as const;

const mapper = new AddressMapper({ prefix: Buffer.alloc(32, 3), mac: Buffer.alloc(16, 5) });

function sharedBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length * 8; i++) if (((a[i >> 3]! ^ b[i >> 3]!) & (0x80 >> (i & 7))) !== 0) return i;
  return a.length * 8;
}

const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
/** Two addresses sharing a chosen number of leading bits. */
const pair = (gen: fc.Arbitrary<Uint8Array>) =>
  fc.tuple(gen, gen, fc.nat()).map(([a, b, n]) => {
    const k = n % (a.length * 8 + 1);
    const c = Uint8Array.from(b);
    for (let i = 0; i < k; i++) {
      const bit = 0x80 >> (i & 7);
      c[i >> 3] = (c[i >> 3]! & ~bit) | (a[i >> 3]! & bit);
    }
    return [a, c] as const;
  });

describe('Crypto-PAn', () => {
  const pan = new CryptoPan(REFERENCE_KEY);
  it.each(V4_VECTORS)('IPv4 %s → %s (reference sample trace)', (from, to) => {
    expect(formatIpv4(pan.anonymize(parseIpv4(from)!))).toBe(to);
    expect(formatIpv4(pan.deanonymize(parseIpv4(to)!))).toBe(from);
  });
  it.each(V6_VECTORS)('IPv6 %s → %s (128-bit extension)', (from, to) => {
    expect(formatIpv6(pan.anonymize(parseIpv6(from)!))).toBe(to);
    expect(formatIpv6(pan.deanonymize(parseIpv6(to)!))).toBe(from);
  });
});

describe('prefix preservation', () => {
  it('two IPv4 addresses that share exactly k leading bits map to two that share exactly k', () => {
    fc.assert(fc.property(pair(v4), ([a, b]) => sharedBits(mapper.ipv4Bytes(a), mapper.ipv4Bytes(b)) === sharedBits(a, b)), { numRuns: 3000 });
  });
  it('the same for IPv6 (interface identifiers that are not EUI-64)', () => {
    fc.assert(
      fc.property(pair(v6), ([a, b]) => {
        fc.pre(!(a[11] === 0xff && a[12] === 0xfe) && !(b[11] === 0xff && b[12] === 0xfe));
        return sharedBits(mapper.ipv6Bytes(a), mapper.ipv6Bytes(b)) === sharedBits(a, b);
      }),
      { numRuns: 1000 },
    );
  });
  it('every mapping is undone by the inverse', () => {
    // An IPv6 image that reads as EUI-64 has two candidate originals (see revealIpv6Candidates): the original is one of them.
    fc.assert(
      fc.property(v4, v6, (a, b) => formatIpv4(mapper.revealIpv4(mapper.ipv4Bytes(a))) === formatIpv4(a) && mapper.revealIpv6Candidates(mapper.ipv6Bytes(b)).map(formatIpv6).includes(formatIpv6(b))),
      { numRuns: 500 },
    );
  });
});

describe('classes', () => {
  it.each(['127.0.0.1', '0.0.0.0', '169.254.1.1', '224.0.0.251', '255.255.255.255', '255.255.0.0', '::', '::1', 'ff02::1'])('%s stays as it is', (address) => {
    expect(address.includes(':') ? mapper.ipv6(address) : mapper.ipv4(address)).toBe(address);
  });
  it('private, CGNAT, documentation, ULA and link-local addresses stay in their block; public ones stay public', () => {
    fc.assert(
      fc.property(fc.oneof(v4, v6), (address) => {
        const mapped = address.length === 4 ? mapper.ipv4Bytes(address) : mapper.ipv6Bytes(address);
        expect(classify(mapped).block?.name).toBe(classify(address).block?.name);
        if (classify(address).block === undefined) expect(classify(mapped).block).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
    for (const [address, block] of [['10.1.2.3', 10], ['172.17.0.2', 172], ['192.168.1.1', 192], ['100.64.0.1', 100]] as const) {
      expect(Number(mapper.ipv4(address)!.split('.')[0])).toBe(block);
      expect(mapper.ipv4(address)).not.toBe(address);
    }
    expect(mapper.ipv6('fd12:3456::1')!.startsWith('fd')).toBe(true);
    expect(mapper.ipv6('2001:db8:1::5')!.startsWith('2001:db8:')).toBe(true);
    expect(mapper.ipv6('fe80::1234:5678:9abc:def0')!.startsWith('fe80::')).toBe(true);
  });
  it('a network keeps its zero host bits; an interface address with its length does not lose its host part', () => {
    expect(mapper.network('172.17.0.0', 16)).toMatch(/^172\.(1[6-9]|2\d|3[01])\.0\.0$/);
    expect(mapper.network('172.17.0.1', 16)).toBe(mapper.ipv4('172.17.0.1'));
    expect(mapper.ipv4('172.17.0.1')!.startsWith(mapper.network('172.17.0.0', 16)!.split('.').slice(0, 2).join('.'))).toBe(true);
  });
});

describe('MACs', () => {
  it('keep their multicast and locally administered bits, are a bijection, and multicast ones stay', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (mac) => {
        const mapped = mapper.macBytes(mac);
        expect(mapped[0]! & 3).toBe(mac[0]! & 3);
        expect([...mapper.revealMac(mapped)]).toEqual([...mac]);
      }),
      { numRuns: 2000 },
    );
    expect(mapper.mac('01:00:5e:00:00:fb')).toBe('01:00:5e:00:00:fb');
    expect(mapper.mac('ff:ff:ff:ff:ff:ff')).toBe('ff:ff:ff:ff:ff:ff');
    expect(mapper.mac('02:42:ac:11:00:02')).not.toBe('02:42:ac:11:00:02');
  });
  it('iproute2\'s unpadded form stays unpadded and names the same MAC', () => {
    const padded = mapper.mac('02:42:ac:11:00:02')!;
    expect(mapper.mac('2:42:ac:11:0:2')).toBe(padded.split(':').map((o) => o.replace(/^0(?=.)/, '')).join(':'));
  });
  it('an EUI-64 interface identifier is rewritten from the mapped MAC', () => {
    const mac = mapper.mac('52:54:00:12:34:56')!.split(':');
    const first = (parseInt(mac[0]!, 16) ^ 2).toString(16);
    const iid = `${first}${mac[1]}:${mac[2]}ff:fe${mac[3]}:${mac[4]}${mac[5]}`.replace(/(^|:)0+(?=[0-9a-f])/g, '$1');
    expect(mapper.ipv6('fe80::5054:ff:fe12:3456')).toBe(`fe80::${iid}`);
    const global = mapper.ipv6('2001:db8:5::5054:ff:fe12:3456')!;
    expect(global.endsWith(iid)).toBe(true);
    expect(formatIpv6(mapper.revealIpv6(parseIpv6(global)!))).toBe('2001:db8:5:0:5054:ff:fe12:3456');
  });
});

describe('the inverse of an image that looks like EUI-64', () => {
  it('lists a plain identifier whose image holds ff:fe (the counterexample fast-check found) beside the EUI-64 reading', () => {
    const original = Uint8Array.from([193, 29, 190, 2, 136, 15, 196, 214, 20, 248, 212, 7, 13, 0, 0, 0]);
    const image = mapper.ipv6Bytes(original);
    const candidates = mapper.revealIpv6Candidates(image).map(formatIpv6);
    expect(candidates).toContain(formatIpv6(original));
    // Each candidate maps to the image: the reveal cannot tell them apart, and says so.
    for (const c of mapper.revealIpv6Candidates(image)) expect(formatIpv6(mapper.ipv6Bytes(c))).toBe(formatIpv6(image));
  });
});
