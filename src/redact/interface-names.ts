/**
 * `--redact-interfaces`: every interface name of the snapshot replaced by one that keeps its kind (the
 * leading letters and a dash: eth, veth, docker, br-, cni) and a keyed suffix, so `veth+` and `br-+`
 * wildcards still match what they matched: eth0 → eth5e0c2a, br-1f2e3d4c5b6a → br-77a0c1. `lo` stays.
 * At most 15 characters, as the kernel allows.
 */
import { createHmac } from 'node:crypto';
import { escapeRegExp } from './identifiers.js';

const KEPT = new Set(['lo', 'all', 'default']);
const SUFFIX_HEX = 6;
const IFNAMSIZ = 15;

export class InterfaceNames {
  private readonly names = new Map<string, string>();
  private pattern: RegExp | undefined;

  constructor(
    private readonly key: Buffer,
    private readonly issued: Map<string, string>,
  ) {}

  add(name: string): void {
    if (KEPT.has(name) || name.length === 0 || this.names.has(name)) return;
    const kind = /^[A-Za-z]*-?/.exec(name)![0].slice(0, IFNAMSIZ - SUFFIX_HEX);
    const suffix = createHmac('sha256', this.key).update(name).digest('hex').slice(0, SUFFIX_HEX);
    const mapped = `${kind}${suffix}`;
    this.names.set(name, mapped);
    this.issued.set(mapped, name);
    this.pattern = undefined;
  }

  map(name: string): string {
    return this.names.get(name) ?? name;
  }

  values(): string[] {
    return [...this.names.keys()];
  }

  replaceIn(text: string): string {
    if (this.names.size === 0) return text;
    this.pattern ??= new RegExp(`(?<![\\w-])(?:${[...this.names.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|')})(?![\\w-])`, 'g');
    return text.replace(this.pattern, (found) => this.names.get(found) ?? found);
  }
}
