/**
 * A source found malformed after the model was built: an iptables rule line the scan only checked for
 * its structure failed when a check first read it (src/parse/iptables-lazy.ts). The model then treats
 * the source as if its parser had refused it up front: marked unreadable with the error, a note, and
 * the ruleset built from it dropped, so the audit's next run skips the rules that need it.
 */
import { DeferredParseError, type InputError } from '../errors.js';
import { markUnreadable } from './sources.js';
import type { Host, Netfilter, Ruleset } from './types.js';

/** Returns false when no usable source has the error's label (so the caller does not retry forever). */
export function markSourceUnreadable(host: Host, err: InputError): boolean {
  const label = err.location.source;
  for (const ns of host.namespaces) {
    for (const info of ns.sources.values()) {
      if (info.label !== label || info.parseError !== undefined) continue;
      markUnreadable(info, err, host.notes);
      dropRuleset(ns.netfilter, label);
      if (ns.nftables?.label === label) delete ns.nftables;
      return true;
    }
  }
  return false;
}

function dropRuleset(netfilter: Netfilter, label: string): void {
  if (netfilter.ipv4?.label === label) delete netfilter.ipv4;
  if (netfilter.ipv6?.label === label) delete netfilter.ipv6;
  for (const [id, ruleset] of netfilter.backends) if (ruleset.label === label) netfilter.backends.delete(id);
}

/**
 * Read every iptables rule in full (the scan leaves most rules' matches for later), and every nft rule of a
 * JSON ruleset: a malformed rule no check would read is then found too, and its source marked unreadable,
 * and every rule's notes are in. For `audit --strict-parse`, `show` and `import`.
 */
export function parseEveryRule(host: Host): void {
  for (const ns of host.namespaces) {
    for (const ruleset of rulesetsOf(ns.netfilter)) {
      try {
        for (const table of ruleset.tables.values()) for (const chain of table.chains.values()) for (const rule of chain.rules) void rule.matches;
      } catch (err) {
        if (!(err instanceof DeferredParseError)) throw err;
        markSourceUnreadable(host, err);
      }
    }
    try {
      for (const table of ns.nftables?.tables ?? []) for (const chain of table.chains) for (const view of chain.rules) void view.rule.statements;
    } catch (err) {
      if (!(err instanceof DeferredParseError)) throw err;
      markSourceUnreadable(host, err);
    }
  }
}

function rulesetsOf(netfilter: Netfilter): Ruleset[] {
  return [netfilter.ipv4, netfilter.ipv6, ...netfilter.backends.values()].filter((r): r is Ruleset => r !== undefined);
}
