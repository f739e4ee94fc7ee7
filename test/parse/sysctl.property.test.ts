import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSysctl } from '../../src/parse/sysctl.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

const segment = fc.stringMatching(/^[a-z0-9_][a-z0-9_\-/@=]{0,11}$/);
const key = fc
  .tuple(fc.constantFrom('net', 'kernel', 'vm', 'fs', 'dev', 'abi'), fc.array(segment, { minLength: 1, maxLength: 5 }))
  .map(([top, rest]) => [top, ...rest].join('.'));

/** Values as /proc prints them: inner TABs and "=" allowed, no line breaks, no trailing whitespace. */
const value = fc
  .stringMatching(/^[ -~\t]{0,40}$/)
  .map((v) => v.trimEnd())
  .filter((v) => !v.startsWith(' '));

type Line = { kind: 'entry'; key: string; value: string; busybox: boolean } | { kind: 'noise'; text: string };

const noise = fc.constantFrom(
  '',
  '# comment = with an equals sign',
  'sysctl: unable to open directory "/proc/sys/fs/binfmt_misc/"',
  "sysctl: permission denied on key 'a.b'",
);

const lineArb: fc.Arbitrary<Line> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('entry' as const), key, value, busybox: fc.boolean() }) },
  { weight: 1, arbitrary: noise.map((text) => ({ kind: 'noise' as const, text })) },
);

describe('parseSysctl properties', () => {
  it('round-trips generated dumps (sysctl and busybox spelling), with line numbers', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 60 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const rendered = lines.map((l) =>
          l.kind === 'noise'
            ? l.text
            : // key=value is ambiguous when the key itself holds "=": busybox spelling only without one
              l.busybox && l.value !== '' && !l.key.includes('=')
              ? `${l.key}=${l.value}`
              : `${l.key} = ${l.value}`,
        );
        const expected = lines.flatMap((l, i) => (l.kind === 'entry' ? [{ key: l.key, value: l.value, line: i + 1 }] : []));
        const hasContent = rendered.some((r) => r.trim() !== '' && !r.startsWith('#'));
        if (expected.length === 0 && hasContent) return; // only stderr lines: rejected, covered by unit tests
        const { value: dump } = parseSysctl({ source: 'sysctl', text: rendered.join(eol) });
        expect(dump.entries.map(({ key: k, value: v, line }) => ({ key: k, value: v, line }))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text', () => {
    fc.assert(
      fc.property(anyText, (text) => expectOnlyParseError('sysctl', () => parseSysctl({ source: 'sysctl', text }))),
      { numRuns: 1000 },
    );
  });
});
