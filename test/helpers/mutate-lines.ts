/**
 * Mutations of a real output's lines for the parsers' mutation tests: truncate, duplicate, reorder, delete and
 * corrupt lines, Windows line endings, a shell prompt pasted above. Each is described so a failure names it.
 */
import fc from 'fast-check';

/** A mutation of a dump's lines, described so a failure names it. */
export const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), keepPartial: fc.boolean() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('corrupt' as const), at: fc.nat(), offset: fc.nat(), junk: fc.string({ unit: 'binary', maxLength: 12 }) }),
  fc.record({ kind: fc.constant('crlf' as const) }),
  fc.record({ kind: fc.constant('prompt' as const), line: fc.constantFrom('root@host:~# ', '$ sudo iptables-save -c', '[root@node1 ~]# sysctl -a') }),
);
export type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

export function mutate(lines: string[], m: Mutation): string {
  const out = [...lines];
  const pick = (n: number) => (out.length === 0 ? 0 : n % out.length);
  switch (m.kind) {
    case 'truncate': {
      const at = pick(m.at);
      const cut = out.slice(0, at);
      if (m.keepPartial && out[at]) cut.push(out[at]!.slice(0, Math.floor(out[at]!.length / 2)));
      return cut.join('\n');
    }
    case 'duplicate':
      out.splice(pick(m.at), 0, ...new Array<string>(m.count).fill(out[pick(m.at)] ?? ''));
      return out.join('\n');
    case 'swap': {
      const [a, b] = [pick(m.a), pick(m.b)];
      [out[a], out[b]] = [out[b] ?? '', out[a] ?? ''];
      return out.join('\n');
    }
    case 'delete':
      out.splice(pick(m.at), 1);
      return out.join('\n');
    case 'corrupt': {
      const at = pick(m.at);
      const line = out[at] ?? '';
      const offset = line.length === 0 ? 0 : m.offset % line.length;
      out[at] = line.slice(0, offset) + m.junk + line.slice(offset);
      return out.join('\n');
    }
    case 'crlf':
      return `${out.join('\r\n')}\r\n`;
    case 'prompt':
      return [m.line, ...out].join('\n');
  }
}
