/**
 * Which running keys a persisted sysctl assignment applies to, the way systemd-sysctl applies sysctl.d(5):
 * files in order, the last line of a key wins (a later line moves the key to the end); a glob
 * (`net.ipv4.conf.*.rp_filter`) writes every matching key, except keys that have an explicit line of
 * their own, whatever the order: an assignment, or a `-key` exclusion, which writes nothing.
 *
 * systemd expands a glob with glob(3) over /proc/sys paths, so `*` and `?` never cross a path separator:
 * in the dotted form sysctl -a prints, that is the dot (an interface "eth0.100" is printed "eth0/100"
 * and stays one component).
 */
import type { SysctlConfEntry } from '../../../parse/types.js';

export function isGlobKey(key: string): boolean {
  return /[*?[]/.test(key);
}

/** fnmatch(3) of one component: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`. Greedy with one backtrack point: linear in practice. */
export function matchComponent(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starT = t;
      continue;
    }
    if (pc !== undefined) {
      const step = matchOne(pattern, p, text[t] as string);
      if (step > 0) {
        p += step;
        t++;
        continue;
      }
    }
    if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
      continue;
    }
    return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Length of the pattern element at p if it matches ch, else 0. */
function matchOne(pattern: string, p: number, ch: string): number {
  const pc = pattern[p] as string;
  if (pc === '?') return 1;
  if (pc === '[') {
    const close = pattern.indexOf(']', p + 2);
    if (close === -1) return ch === '[' ? 1 : 0;
    let body = pattern.slice(p + 1, close);
    const negate = body.startsWith('!') || body.startsWith('^');
    if (negate) body = body.slice(1);
    let hit = false;
    for (let i = 0; i < body.length; i++) {
      const lo = body[i] as string;
      if (body[i + 1] === '-' && i + 2 < body.length) {
        const hi = body[i + 2] as string;
        if (ch >= lo && ch <= hi) hit = true;
        i += 2;
      } else if (ch === lo) hit = true;
    }
    return hit !== negate ? close - p + 1 : 0;
  }
  return pc === ch ? 1 : 0;
}

export function matchKey(pattern: string, key: string): boolean {
  const pParts = pattern.split('.');
  const kParts = key.split('.');
  if (pParts.length !== kParts.length) return false;
  for (let i = 0; i < pParts.length; i++) {
    if (!matchComponent(pParts[i] as string, kParts[i] as string)) return false;
  }
  return true;
}

export interface PersistedAssignment {
  /** The running key (a glob expanded), or the key as written when the kernel does not have it. */
  key: string;
  entry: SysctlConfEntry;
  /** The glob pattern this assignment came from, when it did. */
  glob?: string;
}

/**
 * Persisted assignments by running key. Explicit keys appear even when the kernel lacks them; excluded keys
 * (`-key`) do not appear, and no glob writes them.
 */
export function expandPersisted(entries: SysctlConfEntry[], runningKeys: Iterable<string>): Map<string, PersistedAssignment> {
  // systemd keeps one line per key, in an ordered map: a later line of the key replaces it at the end.
  const lines = new Map<string, SysctlConfEntry>();
  for (const e of entries) {
    lines.delete(e.key);
    lines.set(e.key, e);
  }
  const globs: SysctlConfEntry[] = [];
  for (const e of lines.values()) if (!e.excluded && isGlobKey(e.key)) globs.push(e);
  const result = new Map<string, PersistedAssignment>();
  if (globs.length > 0) {
    const sorted = [...runningKeys].sort();
    for (const g of globs) {
      const literal = g.key.slice(0, g.key.search(/[*?[]/));
      for (let i = lowerBound(sorted, literal); i < sorted.length; i++) {
        const key = sorted[i] as string;
        if (!key.startsWith(literal)) break;
        if (lines.has(key) || !matchKey(g.key, key)) continue;
        result.set(key, { key, entry: g, glob: g.key });
      }
    }
  }
  // Explicit keys after the globs, each where it first appears, with the line that wins.
  for (const e of entries) {
    if (result.has(e.key) || isGlobKey(e.key)) continue;
    const winner = lines.get(e.key) as SysctlConfEntry;
    if (!winner.excluded) result.set(e.key, { key: e.key, entry: winner });
  }
  return result;
}

function lowerBound(sorted: string[], prefix: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Values as the kernel would compare them: whitespace runs collapsed; numbers compared as numbers. */
export function sameSysctlValue(persisted: string, running: string): boolean {
  const a = persisted.trim().split(/\s+/);
  const b = running.trim().split(/\s+/);
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i] as string;
    if (x === y) return true;
    const nx = Number(x);
    const ny = Number(y);
    return x !== '' && y !== '' && Number.isFinite(nx) && Number.isFinite(ny) && nx === ny;
  });
}
