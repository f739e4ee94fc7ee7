/**
 * Rule authors may match facts against regular expressions. JavaScript's engine backtracks, so a pattern
 * such as (a+)+$ takes exponential time on "aaaa…!". Patterns are therefore checked when the catalog
 * loads: a quantified group may not contain a quantifier or an alternation (star height 1), at most
 * two unbounded quantifiers are allowed (k of them cost up to n^k steps), and backreferences and
 * lookarounds are refused. Subjects are clipped to 1024 characters before matching, which bounds the rest.
 */

export const MAX_PATTERN_LENGTH = 256;
/** Fact strings longer than this are clipped before matching. */
export const MAX_SUBJECT_LENGTH = 1024;
/** More unbounded quantifiers than this make even star-height-1 patterns polynomially slow (n^k). */
export const MAX_UNBOUNDED_QUANTIFIERS = 2;

interface Group {
  /** The group holds a quantifier or an alternation somewhere inside. */
  risky: boolean;
}

/** Returns why the pattern is refused, or undefined when it is safe (and valid). */
export function unsafeRegexReason(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern, 'u');
  } catch (err) {
    return `invalid regular expression: ${(err as Error).message}`;
  }
  const stack: Group[] = [{ risky: false }];
  let lastAtomRisky = false; // the atom just closed could repeat something risky
  let hasAtom = false;
  let unbounded = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    const top = stack[stack.length - 1] as Group;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'backreferences are not allowed';
      i++;
      if (next === 'u' && pattern[i + 1] === '{') i = pattern.indexOf('}', i);
      else if (next === 'p' || next === 'P') i = pattern.indexOf('}', i);
      lastAtomRisky = false;
      hasAtom = true;
      continue;
    }
    if (c === '[') {
      // Character class: skip to its closing bracket (escapes inside honoured).
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      i = j;
      lastAtomRisky = false;
      hasAtom = true;
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] === '?') {
        const kind = pattern[i + 2];
        if (kind === '=' || kind === '!' || (kind === '<' && (pattern[i + 3] === '=' || pattern[i + 3] === '!'))) return 'lookaround assertions are not allowed';
      }
      stack.push({ risky: false });
      hasAtom = false;
      continue;
    }
    if (c === ')') {
      const closed = stack.pop() as Group;
      lastAtomRisky = closed.risky;
      hasAtom = true;
      const parent = stack[stack.length - 1] as Group;
      if (closed.risky) parent.risky = true;
      continue;
    }
    if (c === '|') {
      top.risky = true;
      hasAtom = false;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      let repeats = c !== '?';
      if (c === '*' || c === '+') unbounded++;
      if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (!m) {
          // A literal brace.
          lastAtomRisky = false;
          hasAtom = true;
          continue;
        }
        const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
        repeats = max > 1;
        if (max === Infinity) unbounded++;
        i += m[0].length - 1;
      }
      if (pattern[i + 1] === '?') i++; // lazy
      if (!hasAtom) continue;
      if (unbounded > MAX_UNBOUNDED_QUANTIFIERS) return `more than ${MAX_UNBOUNDED_QUANTIFIERS} unbounded quantifiers (*, +, {n,})`;
      if (repeats && lastAtomRisky) return 'nested quantifier (a repeated group that itself repeats or alternates) can backtrack catastrophically';
      top.risky = true;
      lastAtomRisky = false;
      continue;
    }
    lastAtomRisky = false;
    hasAtom = true;
  }
  return undefined;
}

const compiled = new Map<string, RegExp>();

/** Test a (load-time checked) pattern against a clipped subject. */
export function safeRegexTest(pattern: string, subject: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    if (unsafeRegexReason(pattern) !== undefined) return false;
    re = new RegExp(pattern, 'u');
    compiled.set(pattern, re);
  }
  return re.test(subject.length > MAX_SUBJECT_LENGTH ? subject.slice(0, MAX_SUBJECT_LENGTH) : subject);
}
