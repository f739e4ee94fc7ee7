/**
 * nft list ruleset on a real kernel (root only): a namespace `nan-<pid>` gets a small nftables ruleset
 * (`nft -f`), and both collectors (the built CLI's `collect`, the sh collector under dash) run inside a
 * second namespace `nan-<pid>h` playing the host, with `--netns nan-<pid>`. Only these two namespaces are
 * touched and both are deleted after; the root namespace's firewall is neither changed nor read.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorScript } from '../../src/collect/sh-collector.js';
import { findExecutable } from '../../src/collect/which.js';
import { loadInput } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { must, PATH_ENV, run } from './lab-commands.js';

const NS = `nan-${process.pid}`;
const HOST_NS = `${NS}h`;
const BINARY = path.join(PROJECT_ROOT, 'dist/cli/main.js');
/** nft 1.0.6 wants a line break (or ;) after a block closes, so not all on one line. */
const RULESET = 'table inet t {\n  chain f {\n    type filter hook forward priority 0; policy drop;\n  }\n}\n';



function labSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'nft lab needs root (creates network namespaces)';
  for (const tool of ['ip', 'nft', 'dash']) {
    if (!findExecutable(tool, PATH_ENV)) return `nft lab needs ${tool} (Debian packages iproute2, nftables, dash)`;
  }
  if (!existsSync(BINARY)) return `nft lab needs the built CLI (${BINARY}): npm run build`;
  const probe = `${NS}probe`;
  const added = run(['ip', 'netns', 'add', probe], 5000);
  if (!added.ok) return `ip netns does not work here: ${added.err.trim()}`;
  // nf_tables itself: listing in a fresh namespace is harmless, and says whether the kernel has it.
  const listed = run(['ip', 'netns', 'exec', probe, 'nft', 'list', 'ruleset'], 5000);
  run(['ip', 'netns', 'del', probe], 5000);
  if (!listed.ok) return `nft does not work here: ${listed.err.trim()}`;
  return undefined;
}

const skipReason = labSkipReason();
if (skipReason) console.warn(`SKIP: ${skipReason}`);

interface NftJson {
  nftables: Record<string, Record<string, unknown>>[];
}

describe.skipIf(skipReason !== undefined)('nft lab: the ruleset of a namespace, collected by both collectors', () => {
  let work: string;
  const snapshots = new Map<string, Snapshot>();

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'netaudit-nft-lab-'));
    for (const ns of [NS, HOST_NS]) must(['ip', 'netns', 'add', ns]);
    const rules = path.join(work, 'ruleset.nft');
    await writeFile(rules, RULESET);
    must(['ip', 'netns', 'exec', NS, 'nft', '-f', rules]);

    const nodeOut = path.join(work, 'node.json');
    must(['ip', 'netns', 'exec', HOST_NS, process.execPath, BINARY, 'collect', '--netns', NS, '-o', nodeOut]);
    snapshots.set('node', (await loadInput(nodeOut)).snapshot);

    const script = path.join(work, 'collect.sh');
    await writeFile(script, collectorScript());
    const shOut = path.join(work, 'sh.json');
    must(['ip', 'netns', 'exec', HOST_NS, 'dash', script, '-o', shOut, '--netns', NS]);
    snapshots.set('sh', (await loadInput(shOut)).snapshot);
  }, 120_000);

  afterAll(async () => {
    // Deleting the namespaces removes their rulesets with them.
    for (const ns of [NS, HOST_NS]) run(['ip', 'netns', 'del', ns], 10_000);
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe.each(['node', 'sh'])('%s collector', (kind) => {
    const source = (name: string) => snapshots.get(kind)!.namespaces.find((n) => n.name === name)!.sources['nft-ruleset']!;

    it('holds the namespace\'s table and its forward chain with policy drop', () => {
      const nft = source(NS);
      expect(nft, nft.reason).toMatchObject({ status: 'ok', exitCode: 0, command: `ip netns exec ${NS} nft -j list ruleset` });
      const objects = (JSON.parse(nft.stdout) as NftJson).nftables;
      expect(objects[0]).toHaveProperty('metainfo');
      expect(objects.filter((o) => 'table' in o).map((o) => o.table)).toEqual([expect.objectContaining({ family: 'inet', name: 't' })]);
      expect(objects.filter((o) => 'chain' in o).map((o) => o.chain)).toEqual([
        expect.objectContaining({ family: 'inet', table: 't', name: 'f', type: 'filter', hook: 'forward', prio: 0, policy: 'drop' }),
      ]);
    });

    it('takes the collector\'s own namespace apart: no table there', () => {
      const nft = source('host');
      expect(nft, nft.reason).toMatchObject({ status: 'ok', command: 'nft -j list ruleset' });
      expect((JSON.parse(nft.stdout) as NftJson).nftables.filter((o) => 'table' in o)).toEqual([]);
    });
  });
});

if (skipReason) {
  describe('nft lab', () => {
    it.skip(`skipped: ${skipReason}`, () => {});
  });
}
