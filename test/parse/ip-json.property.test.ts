import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParseError } from '../../src/errors.js';
import { clip } from '../../src/parse/common.js';
import { parseIpAddr, parseIpLink, parseIpNeigh, parseIpRoute } from '../../src/parse/ip-json.js';
import { readJsonArray } from '../../src/parse/json-source.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

/* ---------- rendering the way iproute2 (and jq) print ---------- */

type Layout = 'compact' | 'iproute2-pretty' | 'jq' | 'four-spaces';
const layouts: fc.Arbitrary<Layout> = fc.constantFrom('compact', 'iproute2-pretty', 'jq', 'four-spaces');

/** Where an element is quoted from and what is quoted: the evidence readJsonArray gives it. */
interface Quoted {
  line: number;
  text: string;
}

/** A top-level member a person looks for (an interface's name, a route's or neighbour's destination, a rule's priority). */
const IDENTITY_MEMBER = /^"(ifname|dst|priority)": /;

/**
 * The text and, computed while writing it, where each element is quoted from: compact output at line 1,
 * as printed; pretty output at the line of its first identifying top-level member (the line where the
 * element starts when it has none), as its members on one readable line with that member first.
 */
function render(elements: object[], layout: Layout): { text: string; quoted: Quoted[] } {
  if (layout === 'compact' || elements.length === 0) {
    return { text: `[${elements.map((e) => JSON.stringify(e)).join(',')}]\n`, quoted: elements.map((e) => ({ line: 1, text: clip(JSON.stringify(e)) })) };
  }
  const out: string[] = [];
  const quoted: Quoted[] = [];
  // Line i of JSON.stringify(e, null, indent) is written at start + i (the "{" line replaced by "[{" or "},{"
  // in the iproute2 layout); its top-level members are the lines indented by exactly `indent`.
  const quote = (e: object, start: number, printed: string[], indent: number): Quoted => {
    const member = printed.findIndex((l) => l.startsWith(`${' '.repeat(indent)}"`) && IDENTITY_MEMBER.test(l.slice(indent)));
    return { line: member < 0 ? start : start + member, text: clip(readableMembers(roundTrip(e))) };
  };
  if (layout === 'iproute2-pretty') {
    // 2017 iproute2 -p: "[{" opens, "    },{" separates, "    }" and "]" close.
    elements.forEach((e, i) => {
      const printed = JSON.stringify(e, null, 4).split('\n');
      const inner = printed.slice(1, -1).map((l) => `    ${l}`);
      quoted.push(quote(e, out.length + 1, printed, 4));
      out.push(i === 0 ? '[{' : '    },{', ...inner);
    });
    out.push('    }', ']');
  } else {
    const indent = layout === 'jq' ? 2 : 4;
    out.push('[');
    elements.forEach((e, i) => {
      const printed = JSON.stringify(e, null, indent).split('\n');
      const body = printed.map((l) => ' '.repeat(indent) + l);
      quoted.push(quote(e, out.length + 1, printed, indent));
      if (i < elements.length - 1) body[body.length - 1] += ',';
      out.push(...body);
    });
    out.push(']');
  }
  return { text: `${out.join('\n')}\n`, quoted };
}

/** `"ifname": "eth0", "ifindex": 2, "flags": ["UP"]`: an object's members on one line, the identifying one first. */
function readableMembers(o: object): string {
  const members = Object.entries(o).map(([key, v]) => `${JSON.stringify(key)}: ${readable(v)}`);
  const identity = members.findIndex((m) => IDENTITY_MEMBER.test(m));
  if (identity > 0) members.unshift(...members.splice(identity, 1));
  return members.join(', ');
}

function readable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(readable).join(', ')}]`;
  if (typeof v === 'object' && v !== null) return `{${readableMembers(v)}}`;
  return JSON.stringify(v);
}

/** Drop undefined members, as JSON output would not have them. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const ifname = fc.stringMatching(/^[a-z][a-z0-9@._-]{0,14}$/);
const FLAGS = ['LOOPBACK', 'BROADCAST', 'POINTOPOINT', 'MULTICAST', 'NOARP', 'MASTER', 'UP', 'LOWER_UP', 'NO-CARRIER', 'M-DOWN'];
const flags = fc.subarray(FLAGS);
const mac = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
/** Data iproute2 would not print but a hostile file may hold: must be carried, never interpreted. */
const extraData = fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'qdisc', 'x'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/* ---------- links ---------- */

const linkRecord = fc.record(
  {
    ifindex: fc.integer({ min: 1, max: 1_000_000 }),
    ifname,
    flags,
    mtu: opt(fc.integer({ min: 68, max: 65536 })),
    operstate: opt(fc.constantFrom('UP', 'DOWN', 'UNKNOWN', 'LOWERLAYERDOWN')),
    master: opt(ifname),
    link: opt(ifname),
    link_index: opt(fc.integer({ min: 1, max: 100_000 })),
    link_netnsid: opt(fc.integer({ min: 0, max: 100 })),
    address: opt(mac),
    link_type: opt(fc.constantFrom('ether', 'loopback', 'none')),
    ifalias: opt(fc.string({ maxLength: 20 })),
    linkinfo: opt(
      fc.record(
        {
          info_kind: fc.constantFrom('veth', 'bridge', 'vxlan', 'vlan', 'bond'),
          info_data: extraData,
          info_slave_kind: fc.constantFrom('bridge', 'bond'),
          info_slave_data: extraData,
        },
        { requiredKeys: ['info_kind'] },
      ),
    ),
    qdisc: opt(fc.constantFrom('noqueue', 'fq_codel')),
  },
  { requiredKeys: ['ifindex', 'ifname', 'flags'] },
);

describe('ip -j link properties', () => {
  it('round-trips generated links in every layout, each quoted at its "ifname" line when pretty, as printed when compact', () => {
    fc.assert(
      fc.property(fc.array(linkRecord, { maxLength: 12 }), layouts, (records, layout) => {
        const elements = records.map(compact);
        const { text, quoted } = render(elements, layout);
        const { value, notes } = parseIpLink({ source: 'ip-link', text });
        expect(notes).toEqual([]);
        expect(value).toEqual(
          elements.map((e, i) =>
            compact({
              ifindex: e.ifindex,
              ifname: e.ifname,
              flags: e.flags,
              mtu: e.mtu,
              operstate: e.operstate,
              master: e.master,
              link: e.link,
              linkIndex: e.link_index,
              linkNetnsId: e.link_netnsid,
              address: e.address,
              linkType: e.link_type,
              kind: e.linkinfo?.info_kind,
              slaveKind: e.linkinfo?.info_slave_kind,
              infoData: e.linkinfo?.info_data === undefined ? undefined : roundTrip(e.linkinfo.info_data),
              slaveData: e.linkinfo?.info_slave_data === undefined ? undefined : roundTrip(e.linkinfo.info_slave_data),
              alias: e.ifalias,
              line: quoted[i]?.line ?? -1,
              text: quoted[i]?.text ?? '',
            }),
          ),
        );
      }),
      { numRuns: 200 },
    );
  });
});

/* ---------- addresses ---------- */

const addrInfo = fc.oneof(
  fc.record(
    { family: fc.constant('inet' as const), local: ipv4, prefixlen: fc.integer({ min: 0, max: 32 }), broadcast: opt(ipv4), scope: opt(fc.constantFrom('global', 'host', 'link')), label: opt(ifname), dynamic: opt(fc.boolean()) },
    { requiredKeys: ['family', 'local', 'prefixlen'] },
  ),
  fc.record(
    {
      family: fc.constant('inet6' as const),
      local: ipv6,
      prefixlen: fc.integer({ min: 0, max: 128 }),
      scope: opt(fc.constantFrom('global', 'link')),
      dynamic: opt(fc.boolean()),
      mngtmpaddr: opt(fc.boolean()),
      // 4294967295 is how iproute2 prints "forever".
      valid_life_time: opt(fc.oneof(fc.integer({ min: 0, max: 4294967294 }), fc.constant(4294967295))),
    },
    { requiredKeys: ['family', 'local', 'prefixlen'] },
  ),
);
const addrRecord = fc.record({ ifindex: fc.integer({ min: 1, max: 100_000 }), ifname, flags, mtu: opt(fc.integer({ min: 68, max: 9000 })), addr_info: fc.array(addrInfo, { maxLength: 4 }) }, { requiredKeys: ['ifindex', 'ifname', 'flags', 'addr_info'] });

/** What the parser makes of a generated address: valid_life_time as validLifetime, forever left out. */
function asAddrInfo(a: Record<string, unknown>): Record<string, unknown> {
  const { valid_life_time: valid, ...rest } = a;
  return typeof valid === 'number' && valid < 4294967295 ? { ...rest, validLifetime: valid } : rest;
}

describe('ip -j addr properties', () => {
  it('round-trips generated interfaces and addresses', () => {
    fc.assert(
      fc.property(fc.array(addrRecord, { maxLength: 10 }), layouts, (records, layout) => {
        const elements = records.map((r) => compact({ ...r, addr_info: r.addr_info.map(compact) }));
        const { text, quoted } = render(elements, layout);
        const { value, notes } = parseIpAddr({ source: 'ip-addr', text });
        expect(notes).toEqual([]);
        expect(value).toEqual(
          elements.map((e, i) => compact({ ifindex: e.ifindex, ifname: e.ifname, flags: e.flags, mtu: e.mtu, addrs: e.addr_info.map(asAddrInfo), line: quoted[i]?.line ?? -1, text: quoted[i]?.text ?? '' })),
        );
      }),
      { numRuns: 200 },
    );
  });
});

/* ---------- routes ---------- */

const routeRecord = fc.oneof(
  fc.record({ dst: fc.oneof(fc.constant('default'), ipv4, fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`)), gateway: opt(ipv4), family: fc.constant(4 as const) }),
  fc.record({ dst: fc.oneof(fc.constant('default'), ipv6, fc.tuple(ipv6, fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`)), gateway: opt(ipv6), family: fc.constant(6 as const) }),
).chain((base) =>
  fc.record(
    {
      type: opt(fc.constantFrom('unicast', 'local', 'broadcast', 'blackhole', 'unreachable')),
      table: opt(fc.constantFrom('main', 'local', '1234')),
      dev: opt(ifname),
      protocol: opt(fc.constantFrom('kernel', 'boot', 'dhcp', 'static', 'ra')),
      scope: opt(fc.constantFrom('global', 'link', 'host')),
      metric: opt(fc.integer({ min: 0, max: 100_000 })),
      expires: opt(fc.integer({ min: 0, max: 2_147_483_647 })),
      flags: fc.subarray(['linkdown', 'onlink']),
      nexthops: opt(fc.array(fc.record({ gateway: base.family === 4 ? ipv4 : ipv6, dev: ifname, weight: fc.integer({ min: 1, max: 256 }) }), { minLength: 2, maxLength: 3 })),
    },
    { requiredKeys: ['flags'] },
  ).map((rest) => ({ base, rest })),
);

describe('ip -j route properties', () => {
  it('round-trips generated routes of both families, normalising bare destinations', () => {
    fc.assert(
      fc.property(fc.constantFrom(4 as const, 6 as const), fc.array(routeRecord, { maxLength: 12 }), layouts, (family, generated, layout) => {
        const routes = generated.filter((g) => g.base.family === family);
        const elements = routes.map(({ base, rest }) => compact({ dst: base.dst, gateway: base.gateway, ...rest }));
        const { text, quoted } = render(elements, layout);
        const { value, notes } = parseIpRoute({ source: 'ip-route', text }, family);
        expect(notes).toEqual([]);
        expect(value).toEqual(
          elements.map((e, i) =>
            compact({
              family,
              dst: e.dst === 'default' || e.dst.includes('/') ? e.dst : `${e.dst}/${family === 4 ? 32 : 128}`,
              type: e.type ?? 'unicast',
              table: e.table ?? 'main',
              gateway: e.gateway,
              dev: e.dev,
              protocol: e.protocol,
              scope: e.scope,
              metric: e.metric,
              expires: e.expires,
              flags: e.flags,
              nexthops: e.nexthops ?? [],
              line: quoted[i]?.line ?? -1,
              text: quoted[i]?.text ?? '',
            }),
          ),
        );
      }),
      { numRuns: 200 },
    );
  });
});

/* ---------- neighbours ---------- */

const neighRecord = fc.record(
  { dst: fc.oneof(ipv4, ipv6), dev: ifname, lladdr: opt(mac), router: opt(fc.constant(null)), state: fc.subarray(['REACHABLE', 'STALE', 'DELAY', 'FAILED', 'PERMANENT'], { minLength: 1, maxLength: 1 }) },
  { requiredKeys: ['dst', 'dev', 'state'] },
);

describe('ip -j neigh properties', () => {
  it('round-trips generated neighbours, reading "router": null as the router flag', () => {
    fc.assert(
      fc.property(fc.array(neighRecord, { maxLength: 12 }), layouts, (records, layout) => {
        const elements = records.map(compact); // "router": null stays, an absent router is dropped
        const { text, quoted } = render(elements, layout);
        const { value } = parseIpNeigh({ source: 'ip-neigh', text });
        expect(value).toEqual(
          elements.map((e, i) => compact({ dst: e.dst, dev: e.dev, lladdr: e.lladdr, state: e.state, router: Object.hasOwn(e, 'router'), line: quoted[i]?.line ?? -1, text: quoted[i]?.text ?? '' })),
        );
      }),
      { numRuns: 200 },
    );
  });
});

/* ---------- the JSON reader itself ---------- */

describe('JSON reader properties', () => {
  const hostileObject = fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'a', ''), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });

  it('agrees with JSON.parse on any JSON array within the depth limit', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.jsonValue({ maxDepth: 5 }), hostileObject), { maxLength: 8 }), fc.constantFrom(undefined, 1, 2, '\t'), (arr, indent) => {
        const text = JSON.stringify(arr, null, indent);
        const read = readJsonArray({ source: 's', text }, 'ip -j x').map((e) => e.value);
        expect(read).toEqual(JSON.parse(text));
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('throws nothing but a located ParseError on corrupted JSON', () => {
    const corrupted = fc
      .tuple(fc.array(linkRecord, { minLength: 1, maxLength: 3 }), layouts, fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 2 }))
      .map(([records, layout, at, cut, insert]) => {
        const { text } = render(records.map(compact), layout);
        const i = at % text.length;
        return text.slice(0, i) + insert + text.slice(i + cut);
      });
    fc.assert(
      fc.property(corrupted, (text) => {
        for (const parse of [parseIpLink, parseIpAddr, parseIpNeigh, (input: { source: string; text: string }) => parseIpRoute(input, 4)]) {
          expectOnlyParseError('s', () => parse({ source: 's', text }));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('locates every error JSON.parse finds: the syntax checker and JSON.parse agree on what is invalid', () => {
    const corrupted = fc
      .tuple(fc.array(linkRecord, { minLength: 1, maxLength: 3 }), layouts, fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 2 }))
      .map(([records, layout, at, cut, insert]) => {
        const { text } = render(records.map(compact), layout);
        const i = 1 + (at % (text.length - 1)); // keep the opening "[" so the text is meant as an array
        return text.slice(0, i) + insert + text.slice(i + cut);
      });
    fc.assert(
      fc.property(corrupted, (text) => {
        let nativeRejects = false;
        try {
          JSON.parse(text);
        } catch {
          nativeRejects = true;
        }
        let error: unknown;
        try {
          readJsonArray({ source: 's', text }, 'ip -j link');
        } catch (err) {
          error = err;
        }
        expect(error !== undefined).toBe(nativeRejects);
        if (error) expect((error as ParseError).location.line).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        for (const parse of [parseIpLink, parseIpAddr, parseIpNeigh, (input: { source: string; text: string }) => parseIpRoute(input, 6)]) {
          expectOnlyParseError('s', () => parse({ source: 's', text }));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
