/**
 * Crypto-PAn (Xu, Fan, Ammar, Moon, 2002): a keyed prefix-preserving permutation of addresses, over AES-128.
 *
 * Bit i of the output is bit i of the input XOR the first bit of AES(k, the input's first i bits followed by
 * the pad's bits from i on), so two addresses that share exactly their first n bits map to two addresses that
 * share exactly n bits. The same construction covers IPv4 (32 bits, the address in the block's first 4 bytes,
 * as the reference implementation does) and IPv6 (128 bits).
 *
 * `frozen` leaves the first bits of an address unchanged (the permutation then stays inside that prefix and
 * is still prefix-preserving): address-classes.ts uses it to keep private, documentation and other blocks.
 */
import { createCipheriv, type Cipher } from 'node:crypto';

const BLOCK = 16;
const MAX_CACHED_PREFIXES = 100_000;

export class CryptoPan {
  private readonly cipher: Cipher;
  private readonly pad: Buffer;

  /** key: 32 bytes, the first 16 the AES key, the last 16 encrypted into the pad (as the reference does). */
  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('internal: Crypto-PAn needs a 32-byte key');
    this.cipher = createCipheriv('aes-128-ecb', key.subarray(0, 16), null);
    this.cipher.setAutoPadding(false);
    this.pad = this.encrypt(key.subarray(16, 32));
  }

  /**
   * The address (4 or 16 bytes) with its bits from `frozen` up to `upTo` (default all) permuted.
   * The flips of the first bits (24 of IPv4, 64 of IPv6) depend only on those bits: they are computed once
   * per prefix (a node's services share their /24), the rest per address.
   */
  anonymize(address: Uint8Array, frozen = 0, upTo = address.length * 8): Buffer {
    const out = Buffer.from(address);
    if (frozen >= upTo) return out;
    const split = Math.min(upTo, Math.max(frozen, address.length === 4 ? 24 : 64));
    if (split > frozen) {
      const key = `${frozen}:${split}:${Buffer.from(address.subarray(0, split >> 3)).toString('latin1')}`;
      let flips = this.prefixFlips.get(key);
      if (flips === undefined) {
        flips = this.flips(address, frozen, split);
        if (this.prefixFlips.size > MAX_CACHED_PREFIXES) this.prefixFlips.clear();
        this.prefixFlips.set(key, flips);
      }
      for (let b = 0; b < flips.length; b++) out[b]! ^= flips[b]!;
    }
    if (upTo > split) {
      const flips = this.flips(address, split, upTo);
      for (let b = 0; b < flips.length; b++) out[b]! ^= flips[b]!;
    }
    return out;
  }

  private readonly prefixFlips = new Map<string, Buffer>();

  /** The XOR mask of the bits from `from` up to `upTo`. */
  private flips(address: Uint8Array, from: number, upTo: number): Buffer {
    const mask = Buffer.alloc(address.length);
    const blocks = Buffer.alloc((upTo - from) * BLOCK);
    for (let i = from; i < upTo; i++) this.writeBlock(blocks, (i - from) * BLOCK, address, i);
    const encrypted = this.encrypt(blocks);
    for (let i = from; i < upTo; i++) {
      if ((encrypted[(i - from) * BLOCK]! & 0x80) !== 0) mask[i >> 3]! |= 0x80 >> (i & 7);
    }
    return mask;
  }

  /** The inverse of anonymize with the same `frozen` and `upTo`: bit by bit, each one needing those before it. */
  deanonymize(anonymized: Uint8Array, frozen = 0, upTo = anonymized.length * 8): Buffer {
    const original = Buffer.from(anonymized);
    const block = Buffer.alloc(BLOCK);
    for (let i = frozen; i < upTo; i++) {
      this.writeBlock(block, 0, original, i);
      if ((this.encrypt(block)[0]! & 0x80) !== 0) original[i >> 3]! ^= 0x80 >> (i & 7);
    }
    return original;
  }

  /** The PRF input for bit i: the address's first i bits, then the pad's bits from i on. */
  private writeBlock(target: Buffer, at: number, address: Uint8Array, i: number): void {
    this.pad.copy(target, at);
    const whole = i >> 3;
    for (let b = 0; b < whole; b++) target[at + b] = address[b]!;
    const rest = i & 7;
    if (rest !== 0) {
      const mask = (0xff << (8 - rest)) & 0xff;
      target[at + whole] = (address[whole]! & mask) | (this.pad[whole]! & ~mask & 0xff);
    }
  }

  private encrypt(data: Buffer): Buffer {
    return this.cipher.update(data);
  }
}
