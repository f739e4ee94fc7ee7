/**
 * The building blocks of the host-side facts: the CIDR index (against a brute-force scan), sysctl.d
 * glob semantics, and the fact registry's own checks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FACT_DOCS, FACT_MODULES, FACT_REGISTRY } from '../../src/engine/facts/index.js';
import { CidrIndex } from '../../src/engine/facts/lib/cidr-index.js';
import { expandPersisted, matchComponent, matchKey, sameSysctlValue } from '../../src/engine/facts/lib/sysctl-glob.js';
import { defineFacts, defineSubjects, FactRegistry } from '../../src/engine/facts/registry.js';
import { SUBJECT_KINDS } from '../../src/engine/types.js';
import { cidrOverlaps, formatCidr, parseCidr, type Cidr } from '../../src/model/net.js';
import type { SysctlConfEntry } from '../../src/parse/types.js';

describe('CidrIndex', () => {
  const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([n, len]) => parseCidr(`${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${len}`) as Cidr);
  const clustered = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 })).map(([a, b, len]) => parseCidr(`172.${16 + a}.${b}.0/${len}`) as Cidr);
  const v6 = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 64 })).map(([g, len]) => parseCidr(`2001:db8:${g.toString(16)}::/${len}`) as Cidr);
  const cidr = fc.oneof(v4, clustered, clustered, v6);

  it('finds exactly the blocks a pairwise scan finds', () => {
    fc.assert(
      fc.property(fc.array(cidr, { maxLength: 40 }), cidr, (blocks, query) => {
        const index = new CidrIndex<number>();
        blocks.forEach((b, i) => index.addCidr(b, i));
        const found = index.overlapping(query).map((h) => h.payload).sort((a, b) => a - b);
        const brute = blocks.flatMap((b, i) => (cidrOverlaps(b, query) ? [i] : []));
        expect(found, `${formatCidr(query)} in ${blocks.map(formatCidr).join(' ')}`).toEqual(brute);
      }),
      { numRuns: 500 },
    );
  });
});

describe('sysctl.d globs', () => {
  const entry = (key: string, value: string, line: number, file = '/etc/sysctl.d/50-test.conf', ignoreErrors = false): SysctlConfEntry => ({
    key,
    value,
    file,
    line,
    text: `${key} = ${value}`,
    ignoreErrors,
    excluded: false,
  });
  const exclusion = (key: string, line: number, file = '/etc/sysctl.d/50-test.conf'): SysctlConfEntry => ({ key, value: '', file, line, text: `-${key}`, ignoreErrors: false, excluded: true });
  const running = ['net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter', 'net.ipv4.conf.eth0.rp_filter', 'net.ipv4.conf.eth0/100.rp_filter', 'net.ipv4.conf.lxc12ab.rp_filter', 'net.ipv4.conf.eth0.forwarding'];

  it('match one dotted component per *, like glob(3) over /proc/sys paths', () => {
    expect(matchKey('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.eth0/100.rp_filter')).toBe(true); // eth0.100 is one path component
    expect(matchKey('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.eth0.forwarding')).toBe(false);
    expect(matchKey('net.*.rp_filter', 'net.ipv4.conf.eth0.rp_filter')).toBe(false); // * never crosses a separator
    expect(matchKey('net.ipv4.conf.lxc*.rp_filter', 'net.ipv4.conf.lxc12ab.rp_filter')).toBe(true);
    expect(matchComponent('eth[0-9]', 'eth7')).toBe(true);
    expect(matchComponent('eth[!0-9]', 'eth7')).toBe(false);
    expect(matchComponent('e?h*', 'eth0')).toBe(true);
    expect(matchComponent('*a*b*c', 'xaxbxxc')).toBe(true);
    expect(matchComponent('*a*b*c', 'xaxbxx')).toBe(false);
  });

  it('an explicit key beats any glob whatever the order; among globs the last wins', () => {
    const result = expandPersisted(
      [entry('net.ipv4.conf.eth0.rp_filter', '1', 1), entry('net.ipv4.conf.*.rp_filter', '2', 2), entry('net.ipv4.conf.lxc*.rp_filter', '0', 3)],
      running,
    );
    expect(result.get('net.ipv4.conf.eth0.rp_filter')?.entry.value).toBe('1');
    expect(result.get('net.ipv4.conf.eth0.rp_filter')?.glob).toBeUndefined();
    expect(result.get('net.ipv4.conf.all.rp_filter')?.entry.value).toBe('2');
    expect(result.get('net.ipv4.conf.all.rp_filter')?.glob).toBe('net.ipv4.conf.*.rp_filter');
    expect(result.get('net.ipv4.conf.lxc12ab.rp_filter')?.entry.value).toBe('0');
    expect(result.has('net.ipv4.conf.eth0.forwarding')).toBe(false);
  });

  it('leaves a key excluded with "-key" to no glob, as systemd\'s 50-default.conf does with all.rp_filter', () => {
    const result = expandPersisted(
      [entry('net.ipv4.conf.default.rp_filter', '2', 1), entry('net.ipv4.conf.*.rp_filter', '2', 2), exclusion('net.ipv4.conf.all.rp_filter', 3)],
      running,
    );
    expect(result.has('net.ipv4.conf.all.rp_filter')).toBe(false);
    expect(result.get('net.ipv4.conf.eth0.rp_filter')?.glob).toBe('net.ipv4.conf.*.rp_filter');
    expect(result.get('net.ipv4.conf.default.rp_filter')?.glob).toBeUndefined();
  });

  it('lets the last line of a key win: an exclusion drops an earlier assignment, an assignment replaces an earlier exclusion', () => {
    const dropped = expandPersisted([entry('net.ipv4.conf.eth0.rp_filter', '1', 1), exclusion('net.ipv4.conf.eth0.rp_filter', 2), entry('net.ipv4.conf.*.rp_filter', '2', 3)], running);
    expect(dropped.has('net.ipv4.conf.eth0.rp_filter')).toBe(false);
    const replaced = expandPersisted([exclusion('net.ipv4.conf.eth0.rp_filter', 1), entry('net.ipv4.conf.eth0.rp_filter', '0', 2), entry('net.ipv4.conf.*.rp_filter', '2', 3)], running);
    expect(replaced.get('net.ipv4.conf.eth0.rp_filter')?.entry.value).toBe('0');
    // Excluding a glob pattern drops that glob's assignment; it excludes no running key.
    const noGlob = expandPersisted([entry('net.ipv4.conf.*.rp_filter', '2', 1), exclusion('net.ipv4.conf.*.rp_filter', 2)], running);
    expect([...noGlob.keys()]).toEqual([]);
  });

  it('keeps explicit keys the kernel lacks (a module not loaded) and drops globs that match nothing', () => {
    const result = expandPersisted([entry('net.bridge.bridge-nf-call-iptables', '1', 1), entry('net.bridge.*.x', '1', 2)], running);
    expect([...result.keys()]).toEqual(['net.bridge.bridge-nf-call-iptables']);
  });

  it('compares values as the kernel reads them', () => {
    expect(sameSysctlValue('4096 87380 6291456', '4096\t87380\t6291456')).toBe(true);
    expect(sameSysctlValue('01', '1')).toBe(true);
    expect(sameSysctlValue('1', '0')).toBe(false);
    expect(sameSysctlValue('bbr', 'cubic')).toBe(false);
    expect(sameSysctlValue('1 2', '1')).toBe(false);
  });
});

describe('fact registry', () => {
  it('documents every fact with a type and a description, and covers the host-side subject kinds', () => {
    for (const doc of FACT_DOCS) {
      expect(doc.description.trim().length, `${doc.subject}.${doc.name}`).toBeGreaterThan(0);
      expect(doc.type.length).toBeGreaterThan(0);
      expect(SUBJECT_KINDS).toContain(doc.subject);
    }
    for (const kind of ['host', 'namespace', 'interface', 'bridge', 'veth', 'route', 'sysctl'] as const) {
      expect(FACT_REGISTRY.subjectSource(kind), kind).toBeDefined();
      expect(FACT_REGISTRY.factsOf(kind).length, kind).toBeGreaterThan(3);
      for (const fact of FACT_REGISTRY.factsOf(kind)) expect(fact.description.length, `${kind}.${fact.name}`).toBeGreaterThan(8);
    }
  });

  it('refuses a second enumerator for a kind, a duplicate fact, and facts for a kind nobody enumerates', () => {
    const subjects = defineSubjects<string>({ kind: 'route', description: 'x', namespaces: 'all', enumerate: () => [] });
    const facts = defineFacts<string>('route', [{ name: 'dst', type: 'string', description: 'x', compute: () => '' }]);
    expect(() => new FactRegistry([...FACT_MODULES, { subjects }])).toThrow(/two subject sources for kind route/);
    expect(() => new FactRegistry([...FACT_MODULES, { facts }])).toThrow(/fact route\.dst defined twice/);
    expect(() => new FactRegistry([{ facts }])).toThrow(/which no module enumerates/);
  });
});
