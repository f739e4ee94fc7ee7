/**
 * A sosreport read from an archive: the entries netaudit needs, held in memory by their path inside the
 * report (the archive's top directory removed), and every symlink with its target. Symlinks resolve one
 * path component at a time, as the kernel does, and a target that leaves the report is refused.
 */
import { InputError } from '../../errors.js';
import { joinPath, MAX_SYMLINK_HOPS, type SosTree } from './tree.js';

export type TreeEntry = { kind: 'file'; data: Buffer } | { kind: 'symlink'; target: string } | { kind: 'hardlink'; target: string } | { kind: 'directory' } | { kind: 'skipped' };

export class MemoryTree implements SosTree {
  private readonly children = new Map<string, Set<string>>();

  constructor(
    readonly label: string,
    private readonly entries: ReadonlyMap<string, TreeEntry>,
  ) {
    for (const p of entries.keys()) {
      const parts = p.split('/');
      for (let i = 0; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        let names = this.children.get(dir);
        if (!names) this.children.set(dir, (names = new Set()));
        names.add(parts[i] as string);
      }
    }
  }

  async list(dir: string): Promise<string[] | undefined> {
    const real = this.resolve(dir);
    const names = real === undefined ? undefined : this.children.get(real);
    return names && [...names].sort();
  }

  async read(file: string): Promise<Buffer | undefined> {
    let real = this.resolve(file);
    let entry = real === undefined ? undefined : this.entries.get(real);
    if (entry?.kind === 'hardlink') {
      real = entry.target;
      entry = this.entries.get(real);
    }
    return entry?.kind === 'file' ? entry.data : undefined;
  }

  /** The path a report path leads to once every symlink on the way is followed; undefined past a missing directory. */
  private resolve(rel: string): string | undefined {
    let pending = rel.split('/').filter((p) => p !== '' && p !== '.');
    const done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '..') {
        if (done.length === 0) throw new InputError(`${rel} leads outside the sosreport: not followed`, { file: this.label });
        done.pop();
        continue;
      }
      done.push(part);
      const here = done.join('/');
      const entry = this.entries.get(here);
      if (entry?.kind !== 'symlink') continue;
      if (++hops > MAX_SYMLINK_HOPS) throw new InputError(`${rel}: more than ${MAX_SYMLINK_HOPS} symlinks in a row (a loop?)`, { file: this.label });
      if (entry.target.startsWith('/')) {
        throw new InputError(`symlink ${here} → ${entry.target} leads outside the sosreport (an absolute target): not followed`, { file: this.label });
      }
      done.pop();
      const targetParts = entry.target.split('/').filter((p) => p !== '' && p !== '.');
      // `..` past the top of the report: the link leaves it.
      let depth = done.length;
      for (const p of targetParts) {
        depth += p === '..' ? -1 : 1;
        if (depth < 0) throw new InputError(`symlink ${here} → ${entry.target} leads outside the sosreport: not followed`, { file: this.label });
      }
      pending = [...targetParts, ...pending];
    }
    return done.join('/');
  }
}

export { joinPath };
