/**
 * show's (and diff's and the HTML report's) per-device view of NetworkManager's configuration gives the same
 * answers as the interface facts rules read (nmConfiguredManagement, nmConfigDecision, nmUdevUnmanaged): on the
 * fixtures of interface-managed-by-network-manager and on generated configurations (fast-check) over the same
 * interfaces, with and without nmcli's device types.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { networkManagersModule } from '../../src/engine/facts/network-managers.js';
import { createAuditCache, type FactEnv } from '../../src/engine/facts/registry.js';
import { buildHost } from '../../src/model/build.js';
import type { Host } from '../../src/model/types.js';
import { loadInput } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { configuredManagements, nmConfiguredView } from '../../src/show/nm-configured.js';
import { fixtureInput } from '../rules/fixture-helpers.js';

const RULE = 'interface-managed-by-network-manager';

/** Per interface: the engine's facts, and the view's answers put the same way. */
function bothWays(host: Host): { engine: string[]; view: string[] } {
  const ns = host.host;
  const env: FactEnv = { host, namespace: ns, cache: createAuditCache() };
  const fact = (name: string) => networkManagersModule.facts!.facts.find((f) => f.name === name)!;
  const engine = ns.interfaces.map((i) => {
    const [result, decision, udev] = ['nmConfiguredManagement', 'nmConfigDecision', 'nmUdevUnmanaged'].map((name) => String(fact(name).compute(i, env, {})));
    return `${i.name} ${result} | ${result === 'unknown' ? '' : decision} | ${udev}`;
  });
  const configured = configuredManagements(ns);
  const view = ns.interfaces.map((i) => {
    const v = nmConfiguredView(i.name, configured!.get(i.name)!);
    return `${i.name} ${v.management} | ${v.decidedBy?.text ?? ''} | ${ns.networkManagers?.udevRules ? v.udev.result : ''}`;
  });
  return { engine, view };
}

let base: Snapshot;
beforeAll(async () => {
  base = (await loadInput(fixtureInput(RULE, 'pass'))).snapshot;
});

function withConf(snippets: string[], nmcli: string | undefined): Snapshot {
  const snapshot = structuredClone(base);
  const host = snapshot.namespaces[0]!;
  host.files = {
    ...host.files,
    'nm-conf': { status: 'ok', files: snippets.map((content, i) => ({ path: `/etc/NetworkManager/conf.d/${10 + i}-test.conf`, status: 'ok' as const, content, encoding: 'utf8' as const })) },
  };
  if (nmcli === undefined) delete host.sources['nmcli-device'];
  else host.sources['nmcli-device'] = { ...host.sources['nmcli-device']!, status: 'ok', stdout: nmcli };
  return snapshot;
}

describe('the per-device view and the interface facts agree', () => {
  it('on both fixtures', async () => {
    for (const side of ['pass', 'fail'] as const) {
      const { engine, view } = bothWays(buildHost((await loadInput(fixtureInput(RULE, side))).snapshot));
      expect(view).toEqual(engine);
      expect(view.length).toBeGreaterThan(5);
    }
  });

  it('on generated configurations: unmanaged-devices with except: specs, [device*] sections by name, MAC, type and driver, nmcli listing the types or not', () => {
    const spec = fc.constantFrom(
      'interface-name:veth*',
      'interface-name:docker0',
      'except:interface-name:veth-mgmt',
      'type:bridge',
      'type:ethernet',
      'driver:veth',
      'mac:96:ba:d0:3a:65:24',
      'interface-name:eth0',
      '*',
    );
    const section = fc.record({ name: fc.constantFrom('device', 'device-a', 'device-b'), match: fc.array(spec, { minLength: 1, maxLength: 2 }), managed: fc.constantFrom('1', '0', 'yes', 'maybe') });
    const snippet = fc.record({ list: fc.option(fc.array(spec, { minLength: 1, maxLength: 3 }), { nil: undefined }), sections: fc.array(section, { maxLength: 2 }) }).map(({ list, sections }) =>
      [...(list ? ['[keyfile]', `unmanaged-devices=${list.join(';')}`] : []), ...sections.flatMap((s) => [`[${s.name}]`, `match-device=${s.match.join(';')}`, `managed=${s.managed}`])].join('\n') + '\n',
    );
    const nmcli = fc.option(fc.constant('eth0:ethernet:connected:Wired connection 1\ndocker0:bridge:unmanaged:\nveth3c5a6e1:ethernet:unmanaged:\nveth-mgmt:ethernet:connected:mgmt\n'), { nil: undefined });
    fc.assert(
      fc.property(fc.array(snippet, { minLength: 1, maxLength: 3 }), nmcli, (snippets, listing) => {
        const { engine, view } = bothWays(buildHost(withConf(snippets, listing)));
        expect(view).toEqual(engine);
      }),
      { numRuns: 120 },
    );
  });
});
