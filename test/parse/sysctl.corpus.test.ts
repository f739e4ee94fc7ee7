import { describe, expect, it } from 'vitest';
import { parseSysctl } from '../../src/parse/sysctl.js';
import { corpusFiles, expectedCorpusFiles, readCorpus, skipWithoutCorpus } from '../helpers/corpus.js';

const SABANIKI = 'Sabaniki_lab__sysctl.txt';
const ESHNEKEN = 'eshneken_denseio-mysql-cassandra__sysctl.txt';
const RHCOS = 'jds2001_coreos-sosreport-master1__sos_commands_kernel_sysctl_-a';
const LINBING = 'Linbing_CephKnowledge__sysctl-all.txt';
const CENTOS = 'kellyjonbrazil_jc__tests_fixtures_centos-7.7_sysctl-a.out';

const parse = (name: string) => parseSysctl({ source: name, text: readCorpus('sysctl', name) });
const find = (name: string, key: string) => parse(name).value.entries.filter((e) => e.key === key);

describe('sysctl -a corpus', () => {
  it('parses every file, with one entry per key = value line', () => {
    const files = corpusFiles('sysctl');
    expect(files.map(([name]) => name)).toEqual(expectedCorpusFiles('sysctl'));
    for (const [name, file] of files) {
      const text = readCorpus('sysctl', name);
      const { value } = parseSysctl({ source: file, text });
      const assignments = text.split('\n').filter((l) => / = |=$| =$/.test(l) && !l.startsWith('#')).length;
      expect(value.entries.length, name).toBe(assignments);
    }
  });

  it('Sabaniki: br_netfilter makes bridged traffic go through iptables', (ctx) => {
    skipWithoutCorpus(ctx, 'sysctl', SABANIKI);
    expect(find(SABANIKI, 'net.bridge.bridge-nf-call-iptables')).toEqual([
      { key: 'net.bridge.bridge-nf-call-iptables', value: '1', line: 220, text: 'net.bridge.bridge-nf-call-iptables = 1' },
    ]);
    expect(parse(SABANIKI).notes).toEqual([]);
  });

  it('eshneken: docker0 per-interface keys and the 3,120 sched_domain lines of a many-core host', (ctx) => {
    skipWithoutCorpus(ctx, 'sysctl', ESHNEKEN);
    const { value, notes } = parse(ESHNEKEN);
    expect(notes).toEqual([]);
    expect(find(ESHNEKEN, 'net.ipv4.conf.docker0.forwarding')).toMatchObject([{ value: '1', line: 3406 }]);
    expect(find(ESHNEKEN, 'net.ipv4.conf.docker0.rp_filter')).toMatchObject([{ value: '0', line: 3417 }]);
    expect(value.entries.filter((e) => e.key.startsWith('net.ipv4.conf.docker0.'))).toHaveLength(31);
    expect(value.entries.filter((e) => e.key.startsWith('kernel.sched_domain.'))).toHaveLength(3120);
    // No final newline: the last line is still read.
    expect(value.entries.at(-1)).toMatchObject({ key: 'vm.zone_reclaim_mode', value: '0', line: 4060 });
  });

  it('RHCOS sosreport: the stderr line is noted and skipped', (ctx) => {
    skipWithoutCorpus(ctx, 'sysctl', RHCOS);
    const { value, notes } = parse(RHCOS);
    expect(notes).toEqual([
      {
        source: RHCOS,
        line: 43,
        message: 'sysctl error message skipped: sysctl: unable to open directory "/proc/sys/fs/binfmt_misc/"',
      },
    ]);
    expect(value.entries.some((e) => e.line === 43)).toBe(false);
  });

  it('Linbing: the prepended comments (one in Chinese) are skipped without notes', (ctx) => {
    skipWithoutCorpus(ctx, 'sysctl', LINBING);
    const { value, notes } = parse(LINBING);
    expect(notes).toEqual([]);
    expect(value.entries[0]).toMatchObject({ key: 'abi.vsyscall32', value: '1', line: 4 });
  });

  it('keeps the repeated dev.cdrom.info key, empty values and TAB values', (ctx) => {
    skipWithoutCorpus(ctx, 'sysctl', CENTOS, LINBING);
    const cdrom = find(CENTOS, 'dev.cdrom.info');
    expect(cdrom).toHaveLength(24);
    expect(cdrom.some((e) => e.value === '')).toBe(true);
    expect(find(LINBING, 'net.ipv4.tcp_rmem')).toMatchObject([{ value: '4096\t87380\t6291456', line: 655 }]);
    expect(find(LINBING, 'net.ipv4.ip_local_reserved_ports')).toMatchObject([{ value: '', line: 523 }]);
    expect(find(CENTOS, 'net.bridge.bridge-nf-call-iptables')).toMatchObject([{ value: '0' }]);
  });
});
