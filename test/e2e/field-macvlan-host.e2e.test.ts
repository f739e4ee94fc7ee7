/**
 * macvlan-host-isolated on a real kernel: a "host" namespace whose eth0 (a veth) leads to a "lan" namespace
 * standing for another machine on the LAN; a macvlan child of eth0 (mode bridge) moved into a "container"
 * namespace with a LAN address. The LAN machine reaches the container, the host does not (the parent never
 * sees its children's traffic); the rule names the container's eth0. A host-side shim (a macvlan of the
 * host on eth0, and a route to the container through it) makes the container reachable and the rule
 * silent. Snapshots come from the real collector run in the host with --netns naming the container.
 * Only namespaces this file creates (`naf<pid>-mv…`) are touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { audit, FieldLab, findingsOf, until, writeRawFixture } from './field-lab.js';
import { labSupport, warnIfUnsupported } from './support.js';

const RULE = 'macvlan-host-isolated';
const support = labSupport();
warnIfUnsupported('macvlan-host-isolated lab', support);

const HOST = '192.0.2.10';
const LAN = '192.0.2.1';
const CONTAINER = '192.0.2.20';
const SHIM = '192.0.2.11';
/** The container namespace's name in the fixtures (netns/web/). */
const FIXTURE_NAME = 'web';

describe.skipIf(!support.ok)('macvlan-host-isolated lab: a container on a macvlan of the host\'s eth0', () => {
  const lab = new FieldLab('mv', ['h', 'l', 'c'] as const);
  const names = () => new Map([[lab.role('c'), FIXTURE_NAME]]);
  let isolated: Snapshot;

  beforeAll(async () => {
    lab.create();
    lab.ip('h', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'lan0', 'netns', lab.ns.l);
    lab.ip('h', 'addr', 'add', `${HOST}/24`, 'dev', 'eth0');
    lab.ip('h', 'link', 'set', 'eth0', 'up');
    lab.ip('l', 'addr', 'add', `${LAN}/24`, 'dev', 'lan0');
    lab.ip('l', 'link', 'set', 'lan0', 'up');
    lab.ip('h', 'route', 'add', 'default', 'via', LAN, 'dev', 'eth0');
    // What a runtime's macvlan driver does: the child is made on the parent in the host, then moved.
    lab.ip('h', 'link', 'add', 'mv0', 'link', 'eth0', 'type', 'macvlan', 'mode', 'bridge');
    lab.ip('h', 'link', 'set', 'mv0', 'netns', lab.ns.c);
    lab.ip('c', 'link', 'set', 'mv0', 'name', 'eth0');
    lab.ip('c', 'addr', 'add', `${CONTAINER}/24`, 'dev', 'eth0');
    lab.ip('c', 'link', 'set', 'eth0', 'up');
    lab.ip('c', 'route', 'add', 'default', 'via', LAN, 'dev', 'eth0');
    expect(await until(() => lab.ip('c', 'link', 'show', 'eth0').stdout.includes('LOWER_UP'), 3000)).toBe(true);
    isolated = await lab.collect('h', ['c'], 'isolated');
  });

  afterAll(() => {
    lab.destroy();
  });

  it('the LAN reaches the container, the host does not; the rule names the container\'s eth0 and its parent', async () => {
    const fromLan = await lab.ping('l', CONTAINER);
    expect(fromLan.ok, fromLan.detail).toBe(true);
    const fromHost = await lab.ping('h', CONTAINER);
    expect(fromHost.ok, fromHost.detail).toBe(false);

    writeRawFixture(isolated, `fixtures/rules/${RULE}/fail`, names());
    const findings = findingsOf(await audit(isolated, [RULE]), RULE);
    expect(findings.map((f) => [f.subject.namespace, f.subject.name])).toEqual([[lab.role('c'), 'eth0']]);
    expect(findings[0]!.severity).toBe('info');
    expect(findings[0]!.message).toContain(`is a macvlan (bridge) on host interface eth0: the host routes ${CONTAINER} by eth0`);
    expect(findings[0]!.message).toContain('has no macvlan of its own on eth0');
    expect(findings[0]!.message).toContain(`ip route add ${CONTAINER}/32 dev mac0`);
    const sources = findings[0]!.evidence.map((e) => e.source);
    expect(sources).toEqual(expect.arrayContaining([`netns:${lab.role('c')}/ip-link`, 'ip-link', 'ip-route']));
  });

  it('a host-side shim (macvlan on eth0, a route to the container through it) reaches the container; the rule is silent', async () => {
    lab.ip('h', 'link', 'add', 'mac0', 'link', 'eth0', 'type', 'macvlan', 'mode', 'bridge');
    lab.ip('h', 'addr', 'add', `${SHIM}/32`, 'dev', 'mac0');
    lab.ip('h', 'link', 'set', 'mac0', 'up');
    lab.ip('h', 'route', 'add', `${CONTAINER}/32`, 'dev', 'mac0');
    const fromHost = await lab.ping('h', CONTAINER);
    expect(fromHost.ok, fromHost.detail).toBe(true);

    const snapshot = await lab.collect('h', ['c'], 'shim');
    writeRawFixture(snapshot, `fixtures/rules/${RULE}/pass`, names());
    const result = await audit(snapshot, [RULE]);
    expect(findingsOf(result, RULE)).toEqual([]);
    expect(result.passed.some((p) => p.ruleId === RULE && p.subject.namespace === lab.role('c') && p.subject.name === 'eth0')).toBe(true);
  });

  it('the shim without its route does not help: the host still routes by eth0, and the rule says the shim lacks the route', async () => {
    lab.ip('h', 'route', 'del', `${CONTAINER}/32`, 'dev', 'mac0');
    const fromHost = await lab.ping('h', CONTAINER);
    expect(fromHost.ok, fromHost.detail).toBe(false);
    const findings = findingsOf(await audit(await lab.collect('h', ['c'], 'shim-no-route'), [RULE]), RULE);
    expect(findings.map((f) => f.subject.name)).toEqual(['eth0']);
    expect(findings[0]!.message).toContain(`has mac0 on eth0 but no route to ${CONTAINER} through it`);
  });
});
