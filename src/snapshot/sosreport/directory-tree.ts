/**
 * An extracted sosreport on disk. Every path is resolved (symlinks included) before it is opened, and
 * refused when it resolves outside the report's own directory: a sosreport is a stranger's data, and a
 * link in it to /etc/shadow must not make netaudit read this machine's file.
 */
import { lstat, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../errors.js';
import { formatBytes, systemMessage } from '../read-bytes.js';
import type { SosTree } from './tree.js';

export async function openDirectoryTree(dir: string, maxBytes: number): Promise<SosTree> {
  let root: string;
  try {
    root = await realpath(dir);
  } catch (err) {
    throw new InputError(`cannot read: ${systemMessage(err)}`, { file: dir });
  }
  return new DirectoryTree(dir, root, maxBytes);
}

class DirectoryTree implements SosTree {
  constructor(
    readonly label: string,
    private readonly root: string,
    private readonly maxBytes: number,
  ) {}

  async list(dir: string): Promise<string[] | undefined> {
    const real = await this.resolve(dir);
    if (real === undefined) return undefined;
    try {
      return (await readdir(real)).sort();
    } catch {
      return undefined;
    }
  }

  async read(file: string): Promise<Buffer | undefined> {
    const real = await this.resolve(file);
    if (real === undefined) return undefined;
    const where = path.join(this.label, file);
    try {
      const info = await stat(real);
      if (!info.isFile()) return undefined;
      if (info.size > this.maxBytes) throw new InputError(`larger than ${formatBytes(this.maxBytes)}, the size limit`, { file: where });
      return await readFile(real);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`cannot read: ${systemMessage(err)}`, { file: where });
    }
  }

  /** The real path of a report path, undefined when nothing is there; an error when it leads out of the report. */
  private async resolve(rel: string): Promise<string | undefined> {
    const full = path.join(this.root, ...rel.split('/').filter((p) => p !== ''));
    let real: string;
    try {
      real = await realpath(full);
    } catch {
      return undefined;
    }
    if (real !== this.root && !real.startsWith(this.root + path.sep)) {
      throw new InputError(`${rel}${await linkNote(full)} leads outside the sosreport (to ${real}): not followed`, { file: this.label });
    }
    return real;
  }
}

/** " (a symlink to TARGET)" when the path itself is a symlink. */
async function linkNote(full: string): Promise<string> {
  try {
    return (await lstat(full)).isSymbolicLink() ? ` (a symlink to ${await readlink(full)})` : '';
  } catch {
    return '';
  }
}
