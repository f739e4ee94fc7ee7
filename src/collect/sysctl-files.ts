/**
 * Persisted sysctl settings of the host: /etc/sysctl.d/*.conf by name, then /etc/sysctl.conf (the order
 * `sysctl --system` applies them in). Recorded under their /etc paths whatever root they were read from.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PersistedFile, PersistedSysctl } from '../snapshot/schema.js';
import { storeBytes } from '../snapshot/utf8.js';
import { systemMessage } from '../snapshot/read-bytes.js';

/** @param etcDir the directory standing in for /etc */
export async function readSysctlFiles(etcDir: string, maxBytes: number): Promise<{ sysctl: PersistedSysctl; notes: string[] }> {
  const notes: string[] = [];
  const files: PersistedFile[] = [];
  const problems: string[] = [];

  const read = async (file: string, recordedAs: string): Promise<void> => {
    try {
      const info = await stat(file);
      if (!info.isFile() && !info.isCharacterDevice()) return;
      if (info.size > maxBytes) {
        notes.push(`${recordedAs}: larger than ${maxBytes} bytes, not collected`);
        return;
      }
      const stored = storeBytes(await readFile(file));
      files.push({ path: recordedAs, content: stored.text, encoding: stored.encoding });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      problems.push(`${recordedAs}: ${systemMessage(err)}`);
    }
  };

  let dropIns: string[] = [];
  try {
    dropIns = (await readdir(path.join(etcDir, 'sysctl.d'))).filter((n) => n.endsWith('.conf')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`/etc/sysctl.d: ${systemMessage(err)}`);
  }
  for (const name of dropIns) await read(path.join(etcDir, 'sysctl.d', name), `/etc/sysctl.d/${name}`);
  await read(path.join(etcDir, 'sysctl.conf'), '/etc/sysctl.conf');

  if (problems.length > 0 && files.length === 0) {
    return { sysctl: { status: 'failed', reason: problems.join('; '), files }, notes };
  }
  notes.push(...problems.map((p) => `persisted sysctl file not read: ${p}`));
  return { sysctl: { status: files.length === 0 ? 'empty' : 'ok', files }, notes };
}
