/**
 * udev rules files as udev(7) describes them, for NM_UNMANAGED: the rule file below is written in the form of
 * NetworkManager's 85-nm-unmanaged.rules (a SUBSYSTEM/ACTION guard jumping to an end label, one rule per kind of
 * device, the veth rule excepting eth<N>), plus what admins write in /etc/udev/rules.d. Examples, properties
 * (generated rules parse back to their pairs; any text gives rules or skipped lines, never an exception) and
 * the pattern matching (`|` alternatives, globs).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUdevRules, udevPatternMatches } from '../../src/parse/udev-rules.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

export const NM_RULES = `# NetworkManager's rules for devices it leaves alone by default
SUBSYSTEM!="net", GOTO="nm_unmanaged_end"
ACTION!="add|change|move", GOTO="nm_unmanaged_end"

# Host-only interfaces of desktop hypervisors
ENV{INTERFACE}=="vboxnet[0-9]*", ENV{NM_UNMANAGED}="1"

# veth pairs (containers' host ends); eth<N> are full system containers' own
ENV{ID_NET_DRIVER}=="veth", \\
  ENV{INTERFACE}!="eth[0-9]*", ENV{NM_UNMANAGED}="1"

LABEL="nm_unmanaged_end"
`;

const rules = (text: string) => parseUdevRules({ source: '/usr/lib/udev/rules.d/85-nm-unmanaged.rules', text });

describe('udev rules', () => {
  it('reads each rule with its pairs and line, a continued line joined', () => {
    const { value, notes } = rules(NM_RULES);
    expect(notes).toEqual([]);
    expect(value.skipped).toEqual([]);
    expect(value.rules.map((r) => [r.line, r.pairs.map((p) => `${p.key}${p.attr === undefined ? '' : `{${p.attr}}`}${p.op}${p.value}`)])).toEqual([
      [2, ['SUBSYSTEM!=net', 'GOTO=nm_unmanaged_end']],
      [3, ['ACTION!=add|change|move', 'GOTO=nm_unmanaged_end']],
      [6, ['ENV{INTERFACE}==vboxnet[0-9]*', 'ENV{NM_UNMANAGED}=1']],
      [9, ['ENV{ID_NET_DRIVER}==veth', 'ENV{INTERFACE}!=eth[0-9]*', 'ENV{NM_UNMANAGED}=1']],
      [12, ['LABEL=nm_unmanaged_end']],
    ]);
  });

  it('reads every operator, escaped quotes, e"…" C escapes and i"…" case-insensitive values', () => {
    const { value } = rules('KERNEL=="veth*" , ENV{X}+="a\\"b", ENV{Y}:=e"c\\td", ATTR{address}==i"02:42:*", TAG-="x", RUN+="/bin/true"\n');
    expect(value.rules[0]!.pairs).toEqual([
      { key: 'KERNEL', op: '==', value: 'veth*', caseInsensitive: false },
      { key: 'ENV', attr: 'X', op: '+=', value: 'a"b', caseInsensitive: false },
      { key: 'ENV', attr: 'Y', op: ':=', value: 'c\td', caseInsensitive: false },
      { key: 'ATTR', attr: 'address', op: '==', value: '02:42:*', caseInsensitive: true },
      { key: 'TAG', op: '-=', value: 'x', caseInsensitive: false },
      { key: 'RUN', op: '+=', value: '/bin/true', caseInsensitive: false },
    ]);
  });

  it('skips, with a note, a line udev would not read (udev ignores it too); a missing comma is only a warning to udev', () => {
    const { value, notes } = rules('KERNEL=="a"\nENV{NM_UNMANAGED}=1\nKERNEL=="b" ENV{X}="y"\nNAME="unterminated\nKERNEL=="c"x\n');
    expect(value.rules.map((r) => r.line)).toEqual([1, 3]);
    expect(value.skipped.map((s) => s.line)).toEqual([2, 4, 5]);
    expect(notes.map((n) => n.line)).toEqual([2, 4, 5]);
    expect(value.skipped[0]!.reason).toMatch(/invalid key\/value pair/);
  });

  it('matches values as udev does: `|` alternatives, fnmatch globs, an empty pattern for an unset value', () => {
    expect(udevPatternMatches('add|change|move', 'add')).toBe(true);
    expect(udevPatternMatches('add|change|move', 'remove')).toBe(false);
    expect(udevPatternMatches('eth[0-9]*', 'eth0')).toBe(true);
    expect(udevPatternMatches('eth[0-9]*', 'veth0')).toBe(false);
    expect(udevPatternMatches('?*', '')).toBe(false);
    expect(udevPatternMatches('', '')).toBe(true);
    expect(udevPatternMatches('VETH', 'veth', true)).toBe(true);
  });

  it('parses generated rules back to their pairs, at their lines (property)', () => {
    const pair = fc.record({
      key: fc.constantFrom('KERNEL', 'SUBSYSTEM', 'ACTION', 'ENV', 'ATTR', 'GOTO', 'LABEL', 'NAME'),
      attr: fc.constantFrom('NM_UNMANAGED', 'INTERFACE', 'address'),
      op: fc.constantFrom('==', '!=', '=', '+=', '-=', ':='),
      value: fc.string({ unit: fc.constantFrom('a', '0', '*', '?', '|', '[', ']', ' ', '"', '\\', ':', '-'), maxLength: 10 }),
      gap: fc.constantFrom('', ' '),
    });
    fc.assert(
      fc.property(fc.array(fc.array(pair, { minLength: 1, maxLength: 4 }), { maxLength: 6 }), (lines) => {
        const written = lines.map((pairs) =>
          pairs
            .map((p) => {
              const attr = p.key === 'ENV' || p.key === 'ATTR' ? `{${p.attr}}` : '';
              // A value never ends in an odd backslash here: `\"` would escape the closing quote.
              const value = p.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
              return `${p.key}${attr}${p.gap}${p.op}${p.gap}"${value}"`;
            })
            .join(', '),
        );
        const { value } = rules(`${written.join('\n')}\n`);
        expect(value.skipped).toEqual([]);
        expect(value.rules.map((r) => r.line)).toEqual(lines.map((_, i) => i + 1));
        expect(value.rules.map((r) => r.pairs.map((p) => [p.key, p.attr, p.op, p.value]))).toEqual(
          lines.map((pairs) => pairs.map((p) => [p.key, p.key === 'ENV' || p.key === 'ATTR' ? p.attr : undefined, p.op, p.value])),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('gives rules or skipped lines on arbitrary text, every line accounted for once (property)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expectOnlyParseError('/usr/lib/udev/rules.d/85-nm-unmanaged.rules', () => rules(text));
        const { value } = rules(text);
        const lines = [...value.rules.map((r) => r.line), ...value.skipped.map((s) => s.line)];
        expect(new Set(lines).size).toBe(lines.length);
      }),
      { numRuns: 1000 },
    );
  });
});
