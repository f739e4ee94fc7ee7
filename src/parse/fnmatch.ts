/**
 * fnmatch(3) without FNM_PATHNAME or FNM_PERIOD, as systemd's tools match globs (networkd's [Match], udev's
 * rule values): `*`, `?`, `[...]` (with `!` or `^` negation; `[` without a closing `]` is literal).
 */

/** `backslashEscapes`: `\` quotes the next character, as fnmatch(3) without FNM_NOESCAPE; otherwise it is an ordinary character. */
export function fnmatchRegExp(pattern: string, options: { backslashEscapes: boolean }): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      re += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else if (options.backslashEscapes && c === '\\' && i + 1 < pattern.length) re += escapeRegExp(pattern[++i]!);
    else re += escapeRegExp(c);
  }
  return new RegExp(`${re}$`, 's');
}

/** fnmatch(3) without flags, `\` escaping included. */
export function fnmatch(pattern: string, name: string): boolean {
  return fnmatchRegExp(pattern, { backslashEscapes: true }).test(name);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
