/**
 * Published ports of native nftables tables: every `dnat to ADDRESS[:PORT]` that a nat base chain at the
 * prerouting (or output) hook reaches, through jumps, gotos and verdict maps (Docker 29's
 * `table ip docker-bridges`, netavark's `inet netavark`, firewalld's forward ports, kube-proxy's node
 * ports). What the rules on the way match (protocol, destination port, host address, `iifname`) describes
 * the port, as the iptables search does with the jumps to a DNAT. Tables iptables-nft manages are read
 * through the iptables view, not here. A DNAT behind a service VIP (one destination address this host does
 * not hold) is no published port, as in iptables.
 */
import { formatAddress, parseCidr, type Cidr } from '../../model/net.js';
import type { NftChainView, NftRuleView, NftTableView } from '../../model/nftables.js';
import type { Namespace } from '../../model/types.js';
import type { NftExpr, NftStatement, NftValue } from '../../parse/nft-types.js';
import { bridgeContaining } from '../topology.js';
import type { NatHook } from './nat-paths.js';
import { formatPortRange, type PortRange } from './ports.js';
import type { PublishedPort, PublishingRule } from './published-ports.js';
import { parseNatAddress } from './rule-fields.js';

/** Chains deeper than this are not followed: real rulesets nest three or four. */
const MAX_DEPTH = 16;

/** One equality a rule on the way requires of the packet. */
interface Condition {
  expr: NftExpr;
  equal: boolean;
  value: NftValue;
}

interface Walk {
  ns: Namespace;
  table: NftTableView;
  hook: NatHook;
  ports: PublishedPort[];
  /** The port of each DNAT rule found so far: reached again from the other hook, it gains that hook. */
  byRule: Map<NftRuleView, PublishedPort>;
  isServiceVip: (address: Cidr) => boolean;
}

/** The published ports of every native nftables table of the namespace, in ruleset order. */
export function nftPublishedPorts(ns: Namespace, isServiceVip: (address: Cidr) => boolean): PublishedPort[] {
  const ports: PublishedPort[] = [];
  const byRule = new Map<NftRuleView, PublishedPort>();
  for (const table of ns.nftables?.tables ?? []) {
    if (table.evaluatedThroughIptables || !['ip', 'ip6', 'inet'].includes(table.family)) continue;
    // PREROUTING first: a DNAT both hooks reach is described as connections from elsewhere see it.
    for (const hook of ['prerouting', 'output'] as const) {
      for (const chain of table.chains) {
        if (chain.base?.type === 'nat' && chain.base.hook === hook) follow({ ns, table, hook: natHook(hook), ports, byRule, isServiceVip }, chain, [], [], new Set());
      }
    }
  }
  return ports;
}

function natHook(hook: 'prerouting' | 'output'): NatHook {
  return hook === 'prerouting' ? 'PREROUTING' : 'OUTPUT';
}

/** A rule on the way to a DNAT, with the chain that holds it. */
interface Step {
  view: NftRuleView;
  chain: string;
}

function follow(walk: Walk, chain: NftChainView, conditions: Condition[], via: Step[], onPath: Set<NftChainView>): void {
  if (onPath.has(chain) || onPath.size >= MAX_DEPTH) return;
  onPath.add(chain);
  for (const view of chain.rules) {
    const own = [...conditions, ...matchesOf(view.rule.statements)];
    const here: Step = { view, chain: chain.chain.name };
    for (const statement of view.rule.statements) {
      if (statement.kind === 'verdict' && (statement.verdict.kind === 'jump' || statement.verdict.kind === 'goto')) {
        const next = walk.table.chainByName.get(statement.verdict.target);
        if (next) follow(walk, next, own, [...via, here], onPath);
      } else if (statement.kind === 'vmap') {
        for (const entry of mapEntries(walk.table, statement.map)) {
          const next = entry.value.kind === 'verdict' && (entry.value.verdict.kind === 'jump' || entry.value.verdict.kind === 'goto') ? walk.table.chainByName.get(entry.value.verdict.target) : undefined;
          if (!next) continue;
          const keyed = keyConditions(statement.key, entry.key);
          // kube-proxy's @service-ips holds every cluster IP: a path behind a service VIP publishes nothing, so it is not followed.
          if (keyed.some((c) => behindVip(walk, c))) continue;
          follow(walk, next, [...own, ...keyed], [...via, here], onPath);
        }
      } else if (statement.kind === 'nat' && statement.nat === 'dnat') {
        const known = walk.byRule.get(view);
        if (known) {
          if (!known.hooks.includes(walk.hook)) known.hooks.push(walk.hook);
          continue;
        }
        const port = describe(walk, statement, own, here, via);
        if (!port) continue;
        walk.byRule.set(view, port);
        walk.ports.push(port);
      }
    }
  }
  onPath.delete(chain);
}

function matchesOf(statements: readonly NftStatement[]): Condition[] {
  const out: Condition[] = [];
  for (const s of statements) if (s.kind === 'match' && (s.op === '==' || s.op === '!=')) out.push({ expr: s.left, equal: s.op === '==', value: s.right });
  return out;
}

/** The elements of an inline map or of a named map of the table. */
function mapEntries(table: NftTableView, map: NftValue): { key: NftValue; value: NftValue }[] {
  if (map.kind === 'map') return map.pairs;
  if (map.kind !== 'ref') return [];
  const set = table.table.sets.find((s) => s.name === map.name && s.kind === 'map');
  return (set?.elements ?? []).flatMap((e) => (e.value ? [{ key: e.key, value: e.value }] : []));
}

/** `ip daddr . meta l4proto . th dport` against `192.0.2.10 . tcp . 30080`: one equality per part. */
function keyConditions(key: NftExpr, value: NftValue): Condition[] {
  if (key.kind === 'concat' && value.kind === 'concat' && key.parts.length === value.parts.length) {
    return key.parts.map((part, i) => ({ expr: part, equal: true, value: value.parts[i]! }));
  }
  return key.kind === 'concat' || value.kind === 'concat' ? [] : [{ expr: key, equal: true, value }];
}

interface PortShape {
  protocol?: string;
  hostPorts?: PortRange;
  hostAddress?: Cidr;
  inInterface?: string;
  excludedIn: string[];
  /** The destination is one address this host does not hold: a service VIP. */
  behindVip: boolean;
}

function shapeOf(walk: Walk, conditions: readonly Condition[]): PortShape {
  const shape: PortShape = { excludedIn: [], behindVip: false };
  for (const c of conditions) {
    const e = c.expr;
    if (e.kind === 'payload' && (e.protocol === 'tcp' || e.protocol === 'udp' || e.protocol === 'sctp') && e.field === 'dport' && c.equal) {
      shape.protocol = e.protocol;
      shape.hostPorts = portRange(c.value) ?? shape.hostPorts;
    } else if (e.kind === 'payload' && e.protocol === 'th' && e.field === 'dport' && c.equal) {
      shape.hostPorts = portRange(c.value) ?? shape.hostPorts;
    } else if (e.kind === 'meta' && e.key === 'l4proto' && c.equal && c.value.kind === 'string') {
      shape.protocol = c.value.value;
    } else if (e.kind === 'payload' && (e.protocol === 'ip' || e.protocol === 'ip6') && e.field === 'daddr' && c.equal) {
      const address = addressOf(c.value);
      if (address && address.prefixLen === (address.family === 4 ? 32 : 128)) {
        if (walk.isServiceVip(address)) shape.behindVip = true;
        else shape.hostAddress = address;
      }
    } else if (e.kind === 'meta' && e.key === 'iifname' && c.value.kind === 'string') {
      if (c.equal) shape.inInterface = c.value.value;
      else shape.excludedIn.push(c.value.value);
    }
  }
  return shape;
}

function behindVip(walk: Walk, c: Condition): boolean {
  if (!c.equal || c.expr.kind !== 'payload' || (c.expr.protocol !== 'ip' && c.expr.protocol !== 'ip6') || c.expr.field !== 'daddr') return false;
  const address = addressOf(c.value);
  return address !== undefined && address.prefixLen === (address.family === 4 ? 32 : 128) && walk.isServiceVip(address);
}

function portRange(v: NftValue): PortRange | undefined {
  if (v.kind === 'number') return { from: v.value, to: v.value };
  if (v.kind === 'range' && v.from.kind === 'number' && v.to.kind === 'number') return { from: v.from.value, to: v.to.value };
  return undefined;
}

function addressOf(v: NftValue): Cidr | undefined {
  if (v.kind === 'string') return parseCidr(v.value);
  if (v.kind === 'prefix') return parseCidr(`${v.addr}/${v.len}`);
  return undefined;
}

function describe(walk: Walk, dnat: NftStatement & { kind: 'nat' }, conditions: readonly Condition[], rule: Step, via: readonly Step[]): PublishedPort | undefined {
  const shape = shapeOf(walk, conditions);
  if (shape.behindVip || dnat.addr?.kind !== 'string') return undefined;
  const address = dnat.addr.value;
  const port = dnat.port ? portRange(dnat.port) : undefined;
  const v6 = address.includes(':');
  const target = parseNatAddress(port ? `${v6 ? `[${address}]` : address}:${formatPortRange(port)}` : address);
  if (!target) return undefined;
  const family = target.address.family;
  if ((walk.table.family === 'ip' && family !== 4) || (walk.table.family === 'ip6' && family !== 6)) return undefined;
  const hostText = shape.hostAddress ? formatAddress(shape.hostAddress.family, shape.hostAddress.network) : '';
  const host = shape.hostAddress && shape.hostAddress.family === family ? `${v6 ? `[${hostText}]` : hostText}:` : '';
  const published: PublishedPort = {
    name: `${shape.protocol ?? 'all'}/${host}${shape.hostPorts ? formatPortRange(shape.hostPorts) : '*'}->${target.text}`,
    namespace: walk.ns.name,
    family,
    dnat: publishingRule(walk.table, rule),
    via: via.map((v) => publishingRule(walk.table, v)),
    hooks: [walk.hook],
    excludedIn: shape.excludedIn,
    target,
    accepts: [],
  };
  if (shape.protocol) published.protocol = shape.protocol;
  if (shape.hostPorts) published.hostPorts = shape.hostPorts;
  if (shape.hostAddress && shape.hostAddress.family === family) published.hostAddress = shape.hostAddress;
  if (shape.inInterface) published.inInterface = shape.inInterface;
  const targetPort = target.ports?.from ?? shape.hostPorts?.from;
  if (targetPort !== undefined) published.targetPort = targetPort;
  const bridge = bridgeContaining(walk.ns, target.address);
  if (bridge) published.bridge = bridge;
  return published;
}

function publishingRule(table: NftTableView, step: Step): PublishingRule {
  const view = step.view;
  const rule: PublishingRule = { text: view.rule.text, evidence: view.evidence, chain: step.chain, table: `nftables ${table.family} ${table.name}` };
  const counter = view.rule.statements.find((s): s is NftStatement & { kind: 'counter' } => s.kind === 'counter');
  if (counter?.packets !== undefined && counter.bytes !== undefined) rule.counters = { packets: counter.packets, bytes: counter.bytes };
  return rule;
}
