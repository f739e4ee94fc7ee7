import { describe, expect, it } from 'vitest';
import { parseBrctlShow } from '../../src/parse/brctl.js';
import { corpusFiles, expectedCorpusFiles, readCorpus, skipWithoutCorpus } from '../helpers/corpus.js';

const parse = (name: string) => parseBrctlShow({ source: name, text: readCorpus('bridge', name) });
const ports = (name: string) => Object.fromEntries(parse(name).value.map((b) => [b.name, b.interfaces.map((i) => i.name)]));

describe('brctl show corpus', () => {
  it('parses every brctl file in corpus/bridge without notes', () => {
    const files = corpusFiles('bridge').filter(([name]) => name.endsWith('.txt'));
    expect(files.map(([name]) => name)).toEqual(expectedCorpusFiles('bridge').filter((name) => name.endsWith('.txt')));
    for (const [name] of files) expect(parse(name).notes, name).toEqual([]);
  });

  it('header-only outputs (Neutron netns, controller root) give no bridges', () => {
    expect(parse('calincru_iptables-sefl__data_dumps_linuxbridges-qrouter-b77acd74.txt').value).toEqual([]);
    expect(parse('calincru_iptables-sefl__data_dumps_linuxbridges-root-controller.txt').value).toEqual([]);
  });

  it('flannel: cni0 with 12 veth ports on continuation lines, docker0 with none', (ctx) => {
    const name = 'issue_flannel-io-flannel-1029__brctl_show.txt';
    skipWithoutCorpus(ctx, 'bridge', name);
    const { value } = parse(name);
    expect(value.map((b) => [b.name, b.id, b.stp, b.line])).toEqual([
      ['cni0', '8000.72f6fa41f499', false, 2],
      ['docker0', '8000.024263375d2b', false, 14],
    ]);
    expect(value[0]?.interfaces).toHaveLength(12);
    expect(value[0]?.interfaces[0]).toEqual({ name: 'veth03565e0b', line: 2 });
    expect(value[0]?.interfaces[11]).toEqual({ name: 'vethf11c0b84', line: 13 });
    expect(value[1]?.interfaces).toEqual([]);
  });

  it('sebhildebrandt (spaces instead of TABs): br0 with bond0 and vnet0, virbr0 with STP', (ctx) => {
    skipWithoutCorpus(ctx, 'bridge', 'issue_sebhildebrandt-systeminformation-186__brctl_show.txt');
    expect(ports('issue_sebhildebrandt-systeminformation-186__brctl_show.txt')).toEqual({
      'br-9cfc26c0bd93': [],
      br0: ['bond0', 'vnet0'],
      docker0: [],
      virbr0: ['virbr0-nic'],
    });
    const virbr0 = parse('issue_sebhildebrandt-systeminformation-186__brctl_show.txt').value.find((b) => b.name === 'virbr0');
    expect(virbr0).toMatchObject({ stp: true, id: '8000.52540072b861', line: 6 });
  });

  it('LXD: a portless bridge with the all-zero id', (ctx) => {
    skipWithoutCorpus(ctx, 'bridge', 'issue_canonical-lxd-1512__brctl_show_testbr0.txt');
    expect(parse('issue_canonical-lxd-1512__brctl_show_testbr0.txt').value).toEqual([
      { name: 'testbr0', id: '8000.000000000000', stp: false, interfaces: [], line: 2, text: 'testbr0         8000.000000000000       no' },
    ]);
  });

  it('moby and OpenStack compute: one port each, STP no and yes', (ctx) => {
    skipWithoutCorpus(ctx, 'bridge', 'issue_moby-moby-8042__brctl_show.txt');
    expect(ports('issue_moby-moby-8042__brctl_show.txt')).toEqual({ docker0: ['veth4d43'] });
    const compute = parse('calincru_iptables-sefl__data_dumps_linuxbridges-root-compute1.txt').value;
    expect(compute).toMatchObject([{ name: 'virbr0', stp: true, interfaces: [{ name: 'virbr0-nic', line: 2 }] }]);
  });
});
