/**
 * Shared by the parsers' property tests: hostile text built from fragments of real outputs, and the
 * check that a parser either returns or throws a located ParseError, never anything else.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { ParseError } from '../../src/errors.js';

const FRAGMENTS = [
  '',
  ' ',
  '\t',
  '\r',
  '=',
  ' = ',
  '#',
  ';',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '"',
  '\\',
  '\u001b[31m',
  '\ufeff',
  'net.ipv4.ip_forward = 1',
  'sysctl: reading key "x"',
  '{"ifindex":1,"ifname":"lo","flags":["UP"]}',
  '{"dst":"default","gateway":"192.0.2.1"}',
  '{"__proto__":{"polluted":true}}',
  '[{"unicast",',
  'bridge name\tbridge id\t\tSTP enabled\tinterfaces',
  'docker0\t\t8000.0242ac110002\tno\t\tveth1',
  '\t\t\t\t\t\t\tveth2',
  'LISTEN 0 4096 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=812,fd=3))',
  'users:(("a",',
  '[::]:22',
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536',
  'default via 192.0.2.1 dev eth0',
  '<html>',
];

/** Lines made of real-output fragments and random strings, joined by any line ending. */
export const hostileText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom(...FRAGMENTS),
      fc.string({ maxLength: 30 }),
      fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 4 }).map((parts) => parts.join('')),
    ),
    { maxLength: 25 },
  )
  .chain((lines) => fc.constantFrom('\n', '\r\n', '\r', '').map((eol) => lines.join(eol)));

/** Any text at all: the fragments above, arbitrary unicode, or arbitrary JSON rendered as text. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  hostileText,
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }).map((v) => JSON.stringify(v, null, 2)),
);

/** Run the parser; a ParseError must carry the source label and, where given, a positive line. */
export function expectOnlyParseError(source: string, run: () => unknown): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
    const e = err as ParseError;
    expect(e.location.source).toBe(source);
    if (e.location.line !== undefined) expect(e.location.line).toBeGreaterThan(0);
  }
}
