/**
 * Persisted sysctl settings of the host: the *.conf of every sysctl.d directory systemd-sysctl reads
 * (SYSCTL_D_DIRS), then /etc/sysctl.conf. Every file is recorded, masked ones too, so a reader sees what
 * was there; the model applies masking and order. Recorded under their real paths whatever root they
 * were read from.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PersistedFile, PersistedSysctl } from '../snapshot/schema.js';
import { MAIN_SYSCTL_CONF, SPLIT_USR_SYSCTL_D, SYSCTL_D_DIRS } from '../snapshot/sysctl-dirs.js';
import { storeBytes } from '../snapshot/utf8.js';
import { systemMessage } from '../snapshot/read-bytes.js';

/** @param rootDir the directory standing in for / */
export async function readSysctlFiles(rootDir: string, maxBytes: number): Promise<{ sysctl: PersistedSysctl; notes: string[] }> {
  const notes: string[] = [];
  const files: PersistedFile[] = [];
  const problems: string[] = [];
  const under = (p: string): string => path.join(rootDir, p);

  const read = async (recordedAs: string): Promise<void> => {
    try {
      const info = await stat(under(recordedAs));
      // A character device is a mask (a symlink to /dev/null): recorded, empty.
      if (!info.isFile() && !info.isCharacterDevice()) return;
      if (info.size > maxBytes) {
        notes.push(`${recordedAs}: larger than ${maxBytes} bytes, not collected`);
        return;
      }
      const stored = storeBytes(info.isFile() ? await readFile(under(recordedAs)) : Buffer.alloc(0));
      files.push({ path: recordedAs, content: stored.text, encoding: stored.encoding });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      problems.push(`${recordedAs}: ${systemMessage(err)}`);
    }
  };

  for (const dir of SYSCTL_D_DIRS) {
    if (dir === SPLIT_USR_SYSCTL_D && (await sameDirectory(under(dir), under('/usr/lib/sysctl.d')))) continue;
    let names: string[] = [];
    try {
      names = (await readdir(under(dir))).filter((n) => n.endsWith('.conf')).sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') problems.push(`${dir}: ${systemMessage(err)}`);
    }
    for (const name of names) await read(`${dir}/${name}`);
  }
  await read(MAIN_SYSCTL_CONF);

  if (problems.length > 0 && files.length === 0) {
    return { sysctl: { status: 'failed', reason: problems.join('; '), files }, notes };
  }
  notes.push(...problems.map((p) => `persisted sysctl file not read: ${p}`));
  return { sysctl: { status: files.length === 0 ? 'empty' : 'ok', files }, notes };
}

async function sameDirectory(a: string, b: string): Promise<boolean> {
  try {
    return (await realpath(a)) === (await realpath(b));
  } catch {
    return false;
  }
}
