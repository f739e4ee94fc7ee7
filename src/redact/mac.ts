/**
 * MAC addresses: a keyed permutation of the 46 bits that identify the interface, keeping the two bits
 * that carry meaning (multicast/group: bit 0 of the first octet; locally administered: bit 1). Multicast
 * addresses (01:00:5e:.., 33:33:..: they encode a group, not a host), the broadcast and the all-zero
 * address are kept as they are.
 *
 * The permutation is a balanced Feistel network (6 rounds, 23-bit halves, AES as the round function):
 * a bijection, so `reveal` inverts it with the same key.
 */
import { createCipheriv, type Cipher } from 'node:crypto';

const HALF_BITS = 23;
const HALF_MASK = (1 << HALF_BITS) - 1;
const ROUNDS = 6;

export class MacPermutation {
  private readonly cipher: Cipher;

  constructor(key: Buffer) {
    this.cipher = createCipheriv('aes-128-ecb', key.subarray(0, 16), null);
    this.cipher.setAutoPadding(false);
  }

  /** Six octets in, six out. */
  map(mac: Uint8Array): Uint8Array {
    if (keptAsIs(mac)) return Uint8Array.from(mac);
    const [flags, value] = split(mac);
    let left = Math.floor(value / 2 ** HALF_BITS);
    let right = value % 2 ** HALF_BITS;
    for (let round = 0; round < ROUNDS; round++) {
      const next = (left ^ this.round(round, right)) & HALF_MASK;
      left = right;
      right = next;
    }
    return join(flags, left * 2 ** HALF_BITS + right);
  }

  unmap(mac: Uint8Array): Uint8Array {
    if (keptAsIs(mac)) return Uint8Array.from(mac);
    const [flags, value] = split(mac);
    let left = Math.floor(value / 2 ** HALF_BITS);
    let right = value % 2 ** HALF_BITS;
    for (let round = ROUNDS - 1; round >= 0; round--) {
      const previous = (right ^ this.round(round, left)) & HALF_MASK;
      right = left;
      left = previous;
    }
    return join(flags, left * 2 ** HALF_BITS + right);
  }

  private round(round: number, half: number): number {
    const block = Buffer.alloc(16);
    block[0] = round;
    block.writeUIntBE(half, 1, 3);
    const out = this.cipher.update(block);
    return out.readUIntBE(0, 3) & HALF_MASK;
  }
}

function keptAsIs(mac: Uint8Array): boolean {
  const multicast = (mac[0]! & 1) === 1;
  return multicast || mac.every((b) => b === 0);
}

/** The two flag bits, and the other 46 bits as a number. */
function split(mac: Uint8Array): [number, number] {
  const flags = mac[0]! & 3;
  let value = mac[0]! >> 2;
  for (let i = 1; i < 6; i++) value = value * 256 + mac[i]!;
  return [flags, value];
}

function join(flags: number, value: number): Uint8Array {
  const out = new Uint8Array(6);
  for (let i = 5; i >= 1; i--) {
    out[i] = value % 256;
    value = Math.floor(value / 256);
  }
  out[0] = ((value & 0x3f) << 2) | flags;
  return out;
}

/** "aa:bb:cc:dd:ee:ff" or iproute2's unpadded "2:42:ac:11:0:2" (the padding is kept as found). */
export function parseMac(text: string): Uint8Array | undefined {
  const parts = text.split(':');
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(bytes: Uint8Array, like: string): string {
  const padded = like.split(':').every((p) => p.length === 2);
  const upper = like !== like.toLowerCase();
  const text = [...bytes].map((b) => (padded ? b.toString(16).padStart(2, '0') : b.toString(16))).join(':');
  return upper ? text.toUpperCase() : text;
}

/** An EUI-64 interface identifier (bytes 8..15 of an IPv6 address) holds a MAC: ff:fe in its middle. */
export function isEui64(address: Uint8Array): boolean {
  return address.length === 16 && address[11] === 0xff && address[12] === 0xfe;
}

export function macFromEui64(address: Uint8Array): Uint8Array {
  return Uint8Array.from([address[8]! ^ 0x02, address[9]!, address[10]!, address[13]!, address[14]!, address[15]!]);
}

export function writeEui64(address: Uint8Array, mac: Uint8Array): void {
  address.set([mac[0]! ^ 0x02, mac[1]!, mac[2]!, 0xff, 0xfe, mac[3]!, mac[4]!, mac[5]!], 8);
}
