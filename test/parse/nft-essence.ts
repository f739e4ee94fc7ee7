/**
 * What must agree between the text (`nft list ruleset`, `nft -a list ruleset`) and JSON (`nft -j list
 * ruleset`) forms of one ruleset: tables, sets, chains, base chains, and per rule its handle, comment,
 * verdicts, NAT and matches. The same digest nft-parse.test.ts compares its fixtures by.
 */
import type { NftRuleset, NftStatement } from '../../src/parse/nft-types.js';

export function nftEssence(rs: NftRuleset): unknown {
  const stmt = (s: NftStatement) =>
    s.kind === 'verdict' ? s.verdict : s.kind === 'nat' ? { nat: s.nat, addr: s.addr, port: s.port } : s.kind === 'match' ? { op: s.op, left: s.left, right: s.right } : s.kind;
  return rs.tables.map((t) => ({
    table: `${t.family} ${t.name}`,
    handle: t.handle,
    sets: t.sets.map((s) => ({ name: s.name, kind: s.kind, flags: s.flags, n: s.elements.length })),
    chains: t.chains.map((c) => ({ name: c.name, handle: c.handle, base: c.base && { ...c.base, device: undefined }, rules: c.rules.map((r) => ({ handle: r.handle, comment: r.comment, s: r.statements.map(stmt) })) })),
  }));
}

/** The digest without handles: `nft list ruleset` (no -a) prints none. */
export function withoutHandles(essence: unknown): unknown {
  return JSON.parse(JSON.stringify(essence, (k, v: unknown) => (k === 'handle' ? undefined : v))) as unknown;
}
