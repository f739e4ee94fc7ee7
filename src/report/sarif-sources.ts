/**
 * `audit --format sarif --sarif-sources DIR`: each source a finding quotes written out as a file,
 * DIR/<input>/<namespace>/<source>.txt (a persisted sysctl file keeps its path: DIR/<input>/host/etc/sysctl.d/x.conf),
 * so that SARIF locations are plain files a code-scanning UI can open. GitHub resolves paths from the
 * repository root: run from there with DIR inside the repository, and the locations are DIR-relative paths.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuditResult } from '../engine/types.js';
import { InputError } from '../errors.js';
import { systemMessage } from '../snapshot/read-bytes.js';
import type { SourceTextLookup } from './source-texts.js';

/** "netns:blue/ip-link" → ["blue", "ip-link.txt"]; "/etc/sysctl.d/x.conf" → ["host", "etc", "sysctl.d", "x.conf"]. */
export function sourceFileSegments(source: string): string[] {
  if (source.startsWith('/')) return ['host', ...source.split('/').filter(Boolean).map(safeSegment)];
  const netns = /^netns:([^/]+)\/(.+)$/.exec(source);
  const [namespace, id] = netns ? [netns[1] ?? '', netns[2] ?? ''] : ['host', source];
  return [safeSegment(namespace), `${safeSegment(id)}.txt`];
}

/** A file name from any label: letters, digits, dot, dash and underscore kept, the rest "_", never "." or "..". */
export function safeSegment(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return /^\.*$/.test(safe) ? `_${safe}` : safe;
}

/** One directory name per input: its label made safe, "-2", "-3" after it when two labels come out the same. */
function inputDirectories(inputs: readonly string[]): Map<string, string> {
  const dirs = new Map<string, string>();
  const taken = new Set<string>();
  for (const input of inputs) {
    if (dirs.has(input)) continue;
    const base = safeSegment(input.replace(/^(\.\/)+/, ''));
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    dirs.set(input, name);
  }
  return dirs;
}

/**
 * Writes the quoted sources of `results` under `dir` and returns where each one is. Only sources a finding
 * (reported or suppressed) quotes are written, each once.
 */
export async function writeSarifSources(
  dir: string,
  results: readonly AuditResult[],
  sourceText: SourceTextLookup,
): Promise<(input: string, source: string) => string | undefined> {
  const inputDirs = inputDirectories(results.map((r) => r.input));
  const written = new Map<string, string>();
  const key = (input: string, source: string) => `${input}\u0000${source}`;
  for (const result of results) {
    for (const finding of [...result.findings, ...result.suppressed]) {
      for (const { source } of finding.evidence) {
        if (written.has(key(result.input, source))) continue;
        const text = sourceText(result.input, source);
        if (text === undefined) continue;
        const file = path.posix.join(dir, inputDirs.get(result.input) ?? '', ...sourceFileSegments(source));
        await writeSource(file, text);
        written.set(key(result.input, source), file);
      }
    }
  }
  return (input, source) => written.get(key(input, source));
}

async function writeSource(file: string, text: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  } catch (err) {
    throw new InputError(`cannot write a source for --sarif-sources: ${systemMessage(err)}`, { file });
  }
}
