import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBrctlShow } from '../../src/parse/brctl.js';
import { anyText, expectOnlyParseError } from './arbitrary-text.js';

const ifname = fc.stringMatching(/^[a-z][a-z0-9._@-]{0,14}$/);
const bridge = fc.record({
  name: ifname,
  id: fc.stringMatching(/^[0-9a-f]{4}\.[0-9a-f]{12}$/),
  stp: fc.boolean(),
  ports: fc.array(ifname, { maxLength: 6 }),
});
type Bridge = { name: string; id: string; stp: boolean; ports: string[] };

/** As bridge-utils prints it: TABs, ports after the first on lines of seven TABs. */
function renderTabs(bridges: Bridge[]): string[] {
  const lines = ['bridge name\tbridge id\t\tSTP enabled\tinterfaces'];
  for (const b of bridges) {
    const [first, ...rest] = b.ports;
    lines.push(`${b.name}\t\t${b.id}\t${b.stp ? 'yes' : 'no'}\t\t${first ?? ''}`);
    for (const p of rest) lines.push(`\t\t\t\t\t\t\t${p}`);
  }
  return lines;
}

/** As a web page renders the paste: columns padded with spaces, trailing spaces trimmed. */
function renderSpaces(bridges: Bridge[]): string[] {
  const lines = ['bridge name     bridge id               STP enabled     interfaces'];
  for (const b of bridges) {
    const [first, ...rest] = b.ports;
    lines.push(`${b.name.padEnd(16)}${b.id.padEnd(24)}${(b.stp ? 'yes' : 'no').padEnd(16)}${first ?? ''}`.trimEnd());
    for (const p of rest) lines.push(`${' '.repeat(56)}${p}`);
  }
  return lines;
}

describe('parseBrctlShow properties', () => {
  it('round-trips generated bridges in both layouts, with the line of every port', () => {
    fc.assert(
      fc.property(fc.array(bridge, { maxLength: 8 }), fc.boolean(), fc.constantFrom('\n', '\r\n'), (bridges, tabs, eol) => {
        const lines = tabs ? renderTabs(bridges) : renderSpaces(bridges);
        const { value, notes } = parseBrctlShow({ source: 'brctl-show', text: lines.join(eol) + eol });
        expect(notes).toEqual([]);
        let lineNo = 2;
        const expected = bridges.map((b) => {
          const line = lineNo;
          const interfaces = b.ports.map((name, i) => ({ name, line: line + i }));
          lineNo += Math.max(1, b.ports.length);
          return { name: b.name, id: b.id, stp: b.stp, interfaces, line, text: lines[line - 1] };
        });
        expect(value).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but a located ParseError on arbitrary text', () => {
    fc.assert(
      fc.property(anyText, (text) => expectOnlyParseError('brctl-show', () => parseBrctlShow({ source: 'brctl-show', text }))),
      { numRuns: 1000 },
    );
  });
});
