/**
 * Addresses and MACs inside any text: iptables rules, nft rulesets, sysctl keys and values, ss columns,
 * JSON strings, stderr. A candidate is a run of hex digits, dots and colons standing on its own (not part of
 * a word, a dotted name or a longer address), with an optional /LENGTH; it is replaced when it is an IPv4 or
 * IPv6 address (also with a :PORT after it, as ss and DNAT targets write it), a MAC (padded or iproute2's
 * unpadded form), a bridge id (8000.0242ac110002, 8000.2:42:ac:11:0:2), or a longer hardware address.
 * Anything else (counters like 0:0, times, versions) is left as it is.
 */
import type { AddressMapper } from './addresses.js';
import type { RedactContext } from './context.js';

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const MAC = /^[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5}$/;
const BRIDGE_ID_PACKED = /^([0-9A-Fa-f]{4})\.([0-9A-Fa-f]{12})$/;
const BRIDGE_ID_COLONS = /^([0-9A-Fa-f]{4})\.([0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5})$/;
const HARDWARE = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){6,}$/;
const PORT_SUFFIX = /^(.*):(\d{1,5})$/;

/** Addresses and MACs of the text mapped; then the hostname and friends, then (if asked) interface names. */
export function redactText(text: string, ctx: RedactContext): string {
  const mapped = mapAddresses(text, ctx.addresses);
  const named = ctx.identifiers.replaceIn(mapped);
  return ctx.interfaces ? ctx.interfaces.replaceIn(named) : named;
}

export function mapAddresses(text: string, mapper: AddressMapper): string {
  // A hand-written scan (a regex with look-arounds costs seconds on a 35 MB ruleset): maximal runs of hex
  // digits, dots and colons holding a dot or a colon, not touching a word character, with an optional /LENGTH.
  const parts: string[] = [];
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (!isRunChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let start = i;
    let separators = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (!isRunChar(c)) break;
      if (c === DOT || c === COLON) separators++;
    }
    // `to:172.18.0.2:80`, `dst:10.0.0.1` (iptables -L): the colon after a word belongs to the word.
    if (text.charCodeAt(start) === COLON && start > 0 && isWordChar(text.charCodeAt(start - 1)) && text.charCodeAt(start + 1) !== COLON) {
      start++;
      separators--;
    }
    // The shortest address is "::" (kept as it is): a run needs a separator and a digit beside it (JSON's ": " is neither).
    if (separators === 0 || i - start - separators === 0 || (start > 0 && isWordChar(text.charCodeAt(start - 1)))) continue;
    const run = text.slice(start, i);
    let stop = i;
    let length: string | undefined;
    if (text.charCodeAt(i) === SLASH) {
      let j = i + 1;
      while (j < n && j < i + 4 && isDigit(text.charCodeAt(j))) j++;
      if (j > i + 1 && !isWordChar(text.charCodeAt(j))) {
        length = text.slice(i + 1, j);
        stop = j;
      }
    }
    if (length === undefined && isWordChar(text.charCodeAt(i))) continue;
    let replacement: string | undefined;
    if (length !== undefined) {
      const network = mapper.network(run, Number(length));
      const plain = network ?? mapRun(run, mapper);
      replacement = plain === undefined ? undefined : `${plain}/${length}`;
    } else {
      replacement = mapRun(run, mapper);
    }
    if (replacement === undefined) continue;
    parts.push(text.slice(last, start), replacement);
    last = stop;
    i = stop;
  }
  if (last === 0) return text;
  parts.push(text.slice(last));
  return parts.join('');
}

const DOT = 46;
const COLON = 58;
const SLASH = 47;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isRunChar(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === DOT || c === COLON;
}

/** \w: letters, digits, underscore (NaN past the end is not one). */
function isWordChar(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function mapRun(run: string, mapper: AddressMapper): string | undefined {
  const direct = mapAddress(run, mapper);
  if (direct !== undefined) return direct;
  const trimmed = run.replace(/[.:]+$/, '');
  if (trimmed !== run && trimmed !== '') {
    const head = mapAddress(trimmed, mapper);
    if (head !== undefined) return head + run.slice(trimmed.length);
  }
  const port = PORT_SUFFIX.exec(run);
  if (port) {
    const head = mapAddress(port[1]!, mapper);
    if (head !== undefined) return `${head}:${port[2]}`;
  }
  return undefined;
}

function mapAddress(run: string, mapper: AddressMapper): string | undefined {
  if (IPV4.test(run)) return mapper.ipv4(run);
  if (MAC.test(run)) return mapper.mac(run);
  if (run.includes(':')) {
    const v6 = mapper.ipv6(run);
    if (v6 !== undefined) return v6;
  }
  const packed = BRIDGE_ID_PACKED.exec(run);
  if (packed) {
    const mac = mapper.mac(packed[2]!.match(/../g)!.join(':'))!;
    return `${packed[1]}.${mac.replaceAll(':', '')}`;
  }
  const colons = BRIDGE_ID_COLONS.exec(run);
  if (colons) return `${colons[1]}.${mapper.mac(colons[2]!)}`;
  if (HARDWARE.test(run)) return hardwareAddress(run, mapper);
  return undefined;
}

/**
 * Hardware addresses longer than a MAC. InfiniBand's 20 bytes are a queue pair number and a GID, which is
 * written like an IPv6 address (fe80::...:port GUID): the GID goes through the IPv6 mapping. Other lengths:
 * the last 6 bytes through the MAC permutation. Equal addresses stay equal either way.
 */
function hardwareAddress(run: string, mapper: AddressMapper): string {
  const bytes = Uint8Array.from(run.split(':').map((p) => parseInt(p, 16)));
  const out = Uint8Array.from(bytes);
  if (bytes.length === 20) out.set(mapper.ipv6Bytes(bytes.subarray(4)), 4);
  else out.set(mapper.macBytes(bytes.subarray(-6)), bytes.length - 6);
  const text = [...out].map((b) => b.toString(16).padStart(2, '0')).join(':');
  return run === run.toUpperCase() && /[A-F]/.test(run) ? text.toUpperCase() : text;
}
