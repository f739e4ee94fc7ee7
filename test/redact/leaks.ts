/**
 * The leak check, independent of the redactor's own scanner: every address, MAC, hostname, comment and
 * process name of the original snapshot, found with plain patterns, and every string of the redacted one
 * (base64 decoded) searched for each of them.
 */
import { isIPv6 } from 'node:net';
import type { Snapshot } from '../../src/snapshot/schema.js';

const IPV4 = /(?<![\d.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.]*\d)/g;
const IPV6_RUN = /(?<![\w:])[0-9A-Fa-f:]*::?[0-9A-Fa-f:]*[0-9A-Fa-f](?![\w:])/g;
const MAC = /(?<![\w:])[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}(?![\w:])/g;
const IPT_COMMENT = /--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
const NFT_COMMENT = /"?comment"?\s*:?\s*"((?:[^"\\]|\\.)*)"/g;

/** Addresses that may stay: loopback, unspecified, link-local IPv4, multicast, reserved and broadcast. */
export function keptAddress(text: string): boolean {
  if (/^(127|0)\./.test(text) || /^169\.254\./.test(text)) return true;
  const first = Number(text.split('.')[0]);
  if (text.includes('.') && !text.includes(':') && first >= 224) return true;
  const lower = text.toLowerCase();
  return lower === '::' || lower === '::1' || lower.startsWith('ff');
}

export function keptMac(text: string): boolean {
  return (parseInt(text.slice(0, 2), 16) & 1) === 1 || /^(00:){5}00$/i.test(text);
}

export function allStrings(snapshot: Snapshot): string[] {
  const out: string[] = [];
  const visit = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      out.push(value);
      if (key === 'stdout' || key === 'stderr' || key === 'content') out.push(Buffer.from(value, 'base64').toString('latin1'));
    } else if (Array.isArray(value)) value.forEach((v) => visit(v, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) { out.push(k); visit(v, k); }
  };
  visit(snapshot, '');
  return out;
}

export interface Identifying {
  addresses: Set<string>;
  macs: Set<string>;
  words: Set<string>;
}

export function identifyingValues(snapshot: Snapshot): Identifying {
  const found: Identifying = { addresses: new Set(), macs: new Set(), words: new Set() };
  const text = allStrings(snapshot).join('\n');
  for (const m of text.matchAll(IPV4)) if (m[0].split('.').every((o) => Number(o) <= 255) && !keptAddress(m[0])) found.addresses.add(m[0]);
  for (const m of text.matchAll(IPV6_RUN)) if (isIPv6(m[0]) && !keptAddress(m[0]) && !/^[0-9a-f]{1,2}(:[0-9a-f]{1,2}){7}$/i.test(m[0])) found.addresses.add(m[0].toLowerCase());
  for (const m of text.matchAll(MAC)) if (!keptMac(m[0])) found.macs.add(m[0].toLowerCase());
  for (const m of text.matchAll(IPT_COMMENT)) found.words.add(m[1] ?? m[2]!);
  for (const m of text.matchAll(NFT_COMMENT)) if (m[1]) found.words.add(m[1]);
  if (snapshot.meta.hostname) found.words.add(snapshot.meta.hostname);
  for (const ns of snapshot.namespaces) for (const p of ns.processes ?? []) found.words.add(p);
  for (const m of text.matchAll(/users:\(\("([^"]+)"/g)) found.words.add(m[1]!);
  // Names of nft tables and chains are structure the audit reads (kube-proxy's table is named like its process).
  for (const m of text.matchAll(/"(?:table|name|chain)"\s*:\s*"([^"]+)"|^table \S+ (\S+)/gm)) found.words.delete(m[1] ?? m[2]!);
  return found;
}

/** Each original value found in the redacted snapshot, except those `allowed` (an image that happens to equal one). */
export function leaks(original: Identifying, redacted: Snapshot, allowed: ReadonlySet<string> = new Set()): string[] {
  const haystack = allStrings(redacted).join('\n').toLowerCase();
  const out: string[] = [];
  const boundary = (value: string) => new RegExp(`(?<![\\w.:])${value.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w:]|\\.\\d)`);
  for (const value of [...original.addresses, ...original.macs]) {
    if (!allowed.has(value) && boundary(value).test(haystack)) out.push(value);
  }
  const text = allStrings(redacted).join('\n');
  for (const word of original.words) {
    if (word.length >= 3 && new RegExp(`(?<![\\w-])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`).test(text)) out.push(word);
  }
  return out;
}
