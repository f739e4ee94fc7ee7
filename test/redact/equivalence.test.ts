/**
 * A redacted snapshot audits and traces the same as its original, and holds none of its identifying values:
 * over every rule fixture (fail and pass) and over generated Kubernetes nodes (fast-check picks the seed,
 * the size and the proxy mode of the benchmark's generator).
 */
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateNode } from '../../src/bench/gen/node.js';
import { loadRuleCatalog, type RuleCatalog } from '../../src/engine/catalog.js';
import { buildHost } from '../../src/model/build.js';
import { AddressMapper } from '../../src/redact/addresses.js';
import { addressKeys, type RedactKey } from '../../src/redact/key.js';
import { redactSnapshot } from '../../src/redact/snapshot.js';
import { loadInput } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { fixtureExists, fixtureInput, FIXTURES_DIR } from '../rules/fixture-helpers.js';
import { auditOf, traceOrError } from './compare.js';
import { identifyingValues, leaks } from './leaks.js';

const KEY: RedactKey = { secret: Buffer.alloc(32, 7), tokens: new Map() };
const mapper = new AddressMapper(addressKeys(KEY));

/** Values whose image happens to be another original value: not a leak. */
function coincidences(values: Set<string>): Set<string> {
  const images = new Set<string>();
  for (const v of values) {
    const mac = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(v);
    images.add((mac ? mapper.mac(v) : v.includes(':') ? mapper.ipv6(v) : mapper.ipv4(v)) ?? '');
    // A network written with its prefix length: the image of each prefix length that leaves it a network.
    if (!mac) for (let length = 0; length <= (v.includes(':') ? 128 : 32); length++) images.add(mapper.network(v, length)?.replace(/\/.*/, '') ?? '');
  }
  return new Set([...values].filter((v) => images.has(v)));
}

function external(snapshot: Snapshot): string[] {
  return ['198.51.100.7', '203.0.113.9', '8.8.8.8'];
}

/** Queries from each namespace out, and from outside to each namespace's first address, mapped for the redacted host. */
function traceQueries(snapshot: Snapshot): { original: Parameters<typeof traceOrError>[1]; redacted: Parameters<typeof traceOrError>[1] }[] {
  const out = [];
  const names = snapshot.namespaces.map((n) => n.name);
  for (const from of names) {
    for (const to of external(snapshot)) {
      out.push({ original: { from: `netns:${from}`, to, protocol: 'tcp' as const, dport: 443, oneWay: false }, redacted: { from: `netns:${from}`, to: mapper.ipv4(to)!, protocol: 'tcp' as const, dport: 443, oneWay: false } });
    }
    for (const other of names) {
      if (other !== from) out.push({ original: { from: `netns:${from}`, to: `netns:${other}`, protocol: 'icmp' as const, oneWay: false }, redacted: { from: `netns:${from}`, to: `netns:${other}`, protocol: 'icmp' as const, oneWay: false } });
    }
    const src = '198.51.100.7';
    for (const port of [80, 8080, 443]) {
      out.push({ original: { from: src, to: `netns:${from}`, protocol: 'tcp' as const, dport: port, oneWay: false }, redacted: { from: mapper.ipv4(src)!, to: `netns:${from}`, protocol: 'tcp' as const, dport: port, oneWay: false } });
    }
  }
  return out;
}

async function checkEquivalent(original: Snapshot, catalog: RuleCatalog): Promise<void> {
  const { snapshot: redacted } = redactSnapshot(original, { ...KEY, tokens: new Map() }, { redactInterfaces: false });
  expect(await auditOf(redacted, catalog)).toEqual(await auditOf(original, catalog));
  const before = buildHost(original);
  const after = buildHost(redacted);
  for (const q of traceQueries(original)) expect(traceOrError(after, q.redacted), JSON.stringify(q.original)).toEqual(traceOrError(before, q.original));
  const values = identifyingValues(original);
  expect(leaks(values, redacted, coincidences(new Set([...values.addresses, ...values.macs])))).toEqual([]);
}

const ruleIds = readdirSync(FIXTURES_DIR).sort();

describe('a redacted rule fixture audits and traces the same and leaks nothing', () => {
  let catalog: RuleCatalog;
  it.each(ruleIds.flatMap((id) => (['fail', 'pass'] as const).filter((side) => fixtureExists(id, side)).map((side) => [id, side] as const)))(
    '%s/%s',
    async (id, side) => {
      catalog ??= await loadRuleCatalog();
      const { snapshot } = await loadInput(fixtureInput(id, side));
      await checkEquivalent(snapshot, catalog);
    },
  );

  it('the fixtures hold something to redact (the check above is not empty)', async () => {
    const { snapshot } = await loadInput(fixtureInput('masquerade-missing', 'fail'));
    expect(identifyingValues(snapshot).addresses.size).toBeGreaterThan(3);
  });
});

describe('generated nodes', () => {
  it('a redacted generated node audits and traces the same and leaks nothing', async () => {
    const catalog = await loadRuleCatalog();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 3, max: 40 }), fc.constantFrom('iptables' as const, 'nftables' as const), async (seed, services, proxyMode) => {
        const spec = { services, pods: 3 + (seed % 8), nodes: 3 + (seed % 5), seed, ...(proxyMode === 'nftables' ? { proxyMode } : {}) };
        await checkEquivalent(generateNode(spec).snapshot, catalog);
      }),
      { numRuns: 12 },
    );
  });
});
