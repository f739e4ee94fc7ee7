/**
 * What the engine asks of one namespace, indexed once per trace: its routing decision (rules and tables),
 * its own addresses, its neighbours, its listening sockets and the sysctls that drop packets.
 */
import { parseAddress } from '../../model/net.js';
import { defaultPolicyRules, type PolicyRule } from '../../model/policy-rules.js';
import { lookupSysctl } from '../../model/sysctl.js';
import type { Address, Interface, Namespace, SourceInfo } from '../../model/types.js';
import type { Evidence } from '../../parse/common.js';
import type { IpNeighEntry } from '../../parse/types.js';
import { Fib } from './fib.js';

export class NamespaceView {
  private readonly fibs = new Map<4 | 6, Fib>();
  private readonly addresses = new Map<string, Address>();
  /** The namespace's first global address of each family: the source when the output device has none. */
  private readonly fallbackSource = new Map<4 | 6, bigint | undefined>();
  private neighbours: Map<string, IpNeighEntry> | undefined;

  constructor(readonly ns: Namespace) {
    for (const iface of ns.interfaces) {
      for (const address of iface.addresses) {
        const parsed = parseAddress(address.address);
        if (parsed) this.addresses.set(`${parsed.family}|${parsed.value}`, address);
      }
    }
  }

  get name(): string {
    return this.ns.name;
  }

  fib(family: 4 | 6): Fib {
    let fib = this.fibs.get(family);
    if (!fib) {
      fib = new Fib(family, this.ns.routes, this.policyRules(family).rules);
      this.fibs.set(family, fib);
    }
    return fib;
  }

  /** The namespace's policy rules; the kernel's defaults, said so, where `ip rule` was not collected. */
  policyRules(family: 4 | 6): { rules: PolicyRule[]; assumed: boolean } {
    const collected = this.ns.policyRules?.[family];
    return collected ? { rules: collected, assumed: false } : { rules: defaultPolicyRules(family), assumed: true };
  }

  /** The interface address that equals `address`, if this namespace has it. */
  ownAddress(family: 4 | 6, address: bigint): Address | undefined {
    return this.addresses.get(`${family}|${address}`);
  }

  interface(name: string): Interface | undefined {
    return this.ns.interfaceByName.get(name);
  }

  /** The address a local packet leaving by `dev` gets: the route's preferred source, else the device's first global address. */
  sourceFor(family: 4 | 6, dev: string | undefined, prefsrc: string | undefined): bigint | undefined {
    if (prefsrc !== undefined) return parseAddress(prefsrc)?.value;
    const own = dev === undefined ? undefined : firstGlobal(this.interface(dev)?.addresses ?? [], family);
    if (own !== undefined) return own;
    if (!this.fallbackSource.has(family)) this.fallbackSource.set(family, firstGlobal(this.ns.interfaces.flatMap((i) => i.addresses), family));
    return this.fallbackSource.get(family);
  }

  /** The neighbour entry of `address` on `dev` (indexed on first use: a node has hundreds). */
  neighbour(address: string, dev: string): IpNeighEntry | undefined {
    if (!this.neighbours) {
      this.neighbours = new Map();
      for (const n of this.ns.neighbours) {
        const key = neighbourKey(n.dst, n.dev);
        if (key !== undefined && !this.neighbours.has(key)) this.neighbours.set(key, n);
      }
    }
    const key = neighbourKey(address, dev);
    return key === undefined ? undefined : this.neighbours.get(key);
  }

  source(id: string): SourceInfo | undefined {
    return this.ns.sources.get(id);
  }

  /** Evidence for a line of one of this namespace's sources. */
  evidence(sourceId: string, line: number, text: string): Evidence {
    return { source: this.source(sourceId)?.label ?? sourceId, line, text };
  }

  sysctlNumber(key: string): { value: number | undefined; evidence: Evidence[] } {
    const found = lookupSysctl(this.ns.sysctl, key);
    return { value: found.value, evidence: found.evidence ? [found.evidence] : [] };
  }
}

function firstGlobal(addresses: readonly Address[], family: 4 | 6): bigint | undefined {
  const chosen = addresses.find((a) => a.family === family && a.scope !== 'host' && a.scope !== 'link');
  return chosen ? parseAddress(chosen.address)?.value : undefined;
}

/** "4|3232235777|eth0": an address in canonical form, whatever way it was written, and the device. */
function neighbourKey(address: string, dev: string | undefined): string | undefined {
  const parsed = parseAddress(address);
  return parsed && dev !== undefined ? `${parsed.family}|${parsed.value}|${dev}` : undefined;
}
