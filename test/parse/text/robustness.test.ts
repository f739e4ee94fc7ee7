/**
 * No input makes a text parser throw anything but a located ParseError: arbitrary text (fast-check),
 * mutants of the real captures (truncated, duplicated, deleted and corrupted lines), and every file of
 * the real-world corpus. Generated neighbour and rule states survive a render → parse round trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/errors.js';
import type { ParseInput } from '../../../src/parse/common.js';
import { parseBridgeLinkText, parseIpAddrText, parseIpLinkText, parseIpNeighText, parseIpRouteText, parseIpRuleText, parseIptablesList } from '../../../src/parse/text/index.js';
import { anyText, expectOnlyParseError, hostileText } from '../arbitrary-text.js';
import { CORPUS_KINDS, CORPUS_SKIP_REASON, corpusFiles, readCorpus } from '../../helpers/corpus.js';
import { fixture, fixtureNames } from './fixtures.js';

const PARSERS: [string, (input: ParseInput) => unknown][] = [
  ['ip-addr', parseIpAddrText],
  ['ip-link', parseIpLinkText],
  ['ip-route', (input) => parseIpRouteText(input, 4)],
  ['ip6-route', (input) => parseIpRouteText(input, 6)],
  ['ip-rule', (input) => parseIpRuleText(input, 4)],
  ['ip-neigh', parseIpNeighText],
  ['bridge-link', parseBridgeLinkText],
  ['iptables-L', (input) => parseIptablesList(input, { table: 'filter', family: 4 })],
];

/** Which parser reads each text capture. */
function parserOf(name: string): ((input: ParseInput) => unknown) | undefined {
  const prefix = name.replace(/^netns-b-/, '').replace(/(-[a-z]+)?\.txt$/, '');
  if (name.startsWith('ip6tables-L') || name.startsWith('iptables-L')) return PARSERS.find(([p]) => p === 'iptables-L')?.[1];
  if (name.startsWith('ip6-route')) return PARSERS.find(([p]) => p === 'ip6-route')?.[1];
  if (name.startsWith('ip6-rule')) return (input) => parseIpRuleText(input, 6);
  return PARSERS.find(([p]) => p === prefix)?.[1];
}

const CAPTURES = fixtureNames().filter((name) => name.endsWith('.txt') && !name.includes('save') && parserOf(name) !== undefined);
const captureLines = CAPTURES.flatMap((name) => fixture(name).split('\n').slice(0, 40));

describe('arbitrary text', () => {
  const text = fc.oneof(
    anyText,
    hostileText,
    fc.array(fc.constantFrom(...captureLines), { maxLength: 12 }).map((lines) => lines.join('\n')),
  );
  it.each(PARSERS)('%s returns or throws a located ParseError', (source, parse) => {
    fc.assert(fc.property(text, (t) => expectOnlyParseError(source, () => parse({ source, text: t }))), { numRuns: 300 });
  });
});

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), keepPartial: fc.boolean() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('corrupt' as const), at: fc.nat(), offset: fc.nat(), junk: fc.string({ unit: 'binary', maxLength: 10 }) }),
);

type Mutation = { kind: string; at: number; keepPartial?: boolean; offset?: number; junk?: string };

function mutate(lines: string[], m: Mutation): { text: string; line: number } {
  const out = [...lines];
  const at = m.at % Math.max(out.length, 1);
  switch (m.kind) {
    case 'truncate': {
      const cut = out.slice(0, at);
      if (m.keepPartial && out[at]) cut.push(out[at]!.slice(0, Math.floor(out[at]!.length / 2)));
      return { text: cut.join('\n'), line: at + 1 };
    }
    case 'duplicate':
      out.splice(at, 0, out[at] ?? '');
      return { text: out.join('\n'), line: at + 2 };
    case 'delete':
      out.splice(at, 1);
      return { text: out.join('\n'), line: at + 1 };
    default: {
      const line = out[at] ?? '';
      const offset = line.length === 0 ? 0 : (m.offset ?? 0) % line.length;
      out[at] = line.slice(0, offset) + (m.junk ?? '') + line.slice(offset);
      return { text: out.join('\n'), line: at + 1 };
    }
  }
}

describe('mutants of the real captures', () => {
  it.each(CAPTURES)('%s: a parse, or a ParseError at a line of the text', (name) => {
    const parse = parserOf(name)!;
    const lines = fixture(name).split('\n');
    fc.assert(
      fc.property(mutation, (m) => {
        const { text } = mutate(lines, m);
        try {
          parse({ source: name, text });
        } catch (err) {
          expect(err).toBeInstanceOf(ParseError);
          const location = (err as ParseError).location;
          expect(location.source).toBe(name);
          expect(location.line).toBeGreaterThan(0);
          // Lines as the parsers count them: a lone carriage return (damaged line endings) ends a line too.
          expect(location.line).toBeLessThanOrEqual(text.split(/\r\n|\r|\n/).length);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a corrupted rule line of `ip rule` is refused at that line', () => {
    const lines = fixture('ip-rule.txt').split('\n');
    lines[4] = `${lines[4]} bogus`;
    expect(() => parseIpRuleText({ source: 'ip-rule', text: lines.join('\n') }, 4)).toThrow(expect.objectContaining({ location: { source: 'ip-rule', line: 5 } }));
  });
});

describe('real-world corpus', () => {
  const files = CORPUS_KINDS.flatMap((kind) => corpusFiles(kind).map(([name]) => [kind, name] as const));
  it.skipIf(files.length === 0)(`every text parser survives every corpus file ${CORPUS_SKIP_REASON ? `(shared corpus absent: ${CORPUS_SKIP_REASON})` : ''}`, () => {
    for (const [kind, name] of files) {
      const text = readCorpus(kind, name);
      for (const [source, parse] of PARSERS) expectOnlyParseError(source, () => parse({ source, text }));
    }
  });
});

describe('render → parse round trip', () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
  const mac = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));
  const neighbour = fc.record({
    dst: fc.oneof(fc.ipV4(), fc.ipV6()),
    dev: name,
    lladdr: fc.option(mac, { nil: undefined }),
    router: fc.boolean(),
    state: fc.constantFrom('REACHABLE', 'STALE', 'DELAY', 'PROBE', 'FAILED', 'INCOMPLETE', 'PERMANENT', 'NOARP'),
  });

  it('ip neigh', () => {
    fc.assert(
      fc.property(fc.array(neighbour, { maxLength: 8 }), (neighbours) => {
        const text = neighbours.map((n) => `${n.dst} dev ${n.dev}${n.lladdr ? ` lladdr ${n.lladdr}` : ''}${n.router ? ' router' : ''} ${n.state} `).join('\n');
        const parsed = parseIpNeighText({ source: 'ip-neigh', text }).value;
        expect(parsed.map(({ line: _l, text: _t, ...rest }) => rest)).toEqual(
          neighbours.map((n) => ({ dst: n.dst, dev: n.dev, state: [n.state], router: n.router, ...(n.lladdr ? { lladdr: n.lladdr } : {}) })),
        );
      }),
    );
  });

  it('ip rule', () => {
    const rule = fc.record({
      priority: fc.integer({ min: 0, max: 32767 }),
      not: fc.boolean(),
      from: fc.option(fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, l]) => `${a}/${l}`), { nil: undefined }),
      iif: fc.option(name, { nil: undefined }),
      fwmark: fc.option(fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })), { nil: undefined }),
      action: fc.oneof(fc.constantFrom('blackhole', 'unreachable', 'prohibit'), fc.oneof(name, fc.nat({ max: 255 }).map(String)).map((t) => `lookup ${t}`)),
    });
    fc.assert(
      fc.property(rule, (r) => {
        const mark = r.fwmark ? ` fwmark 0x${r.fwmark[0].toString(16)}/0x${r.fwmark[1].toString(16)}` : '';
        const text = `${r.priority}:\t${r.not ? 'not ' : ''}from ${r.from ?? 'all'}${r.iif ? ` iif ${r.iif}` : ''}${mark} ${r.action}\n`;
        const [parsed] = parseIpRuleText({ source: 'ip-rule', text }, 4).value;
        const lookup = r.action.startsWith('lookup ');
        expect(parsed).toMatchObject({
          priority: r.priority,
          not: r.not,
          action: lookup ? 'lookup' : r.action,
          ...(lookup ? { table: r.action.slice(7) } : {}),
          ...(r.from ? { from: r.from } : {}),
          ...(r.iif ? { iif: r.iif } : {}),
          ...(r.fwmark ? { fwmark: r.fwmark[0], fwmask: r.fwmark[1] } : {}),
        });
      }),
    );
  });
});
