/**
 * Raw-output directories (DESIGN.md contract): command outputs pasted from a bug report, one file per
 * source by the names in sources.ts (a source with other raw forms, such as nft-ruleset.json or
 * nft-ruleset.txt, records the form it was read in as `format`), `sysctl.d/` for persisted sysctl files, and optional
 * `netns/<name>/` folders holding the same files for other namespaces; `files/` mirrors the real paths of the
 * file sources (import-files.ts). Nothing in the folder is
 * silently ignored: unexpected entries become notes in meta.notes.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { VERSION } from '../version.js';
import { formatBytes, MAX_SNAPSHOT_BYTES, systemMessage } from './read-bytes.js';
import type { FileSource, Namespace, PersistedFile, PersistedSysctl, Snapshot, Source } from './schema.js';
import { SNAPSHOT_SCHEMA_ID } from './schema-id.js';
import { joinTableListings, tableOfRawFile } from './iptables-list-files.js';
import { RAW_SYSCTL_DIR, type RawForm, SOURCES, type SourceSpec } from './sources.js';
import { fileSource, storeBytes } from './utf8.js';
import { unavailableSource } from './unavailable.js';
import { RAW_FILES_DIR } from './host-files.js';
import { importFileSources } from './import-files.js';

export const RAW_NETNS_DIR = 'netns';
export const IMPORT_COLLECTOR_NAME = 'netaudit import';

/** A file name a raw-output directory may hold: the source's own form, or one of its other forms. */
interface RawFileForm {
  spec: SourceSpec;
  /** Absent for the source's own form. */
  other?: RawForm;
}

const FORM_BY_FILE: ReadonlyMap<string, RawFileForm> = new Map([
  ...SOURCES.filter((s) => s.rawFile !== undefined).map((spec): [string, RawFileForm] => [spec.rawFile!, { spec }]),
  ...SOURCES.flatMap((spec) => (spec.otherRawForms ?? []).map((other): [string, RawFileForm] => [other.rawFile, { spec, other }])),
]);

export async function importRawDir(dir: string): Promise<Snapshot> {
  const notes: string[] = [];
  const entries = await listDir(dir);
  const host = await importNamespaceDir(dir, entries, notes, { host: true });
  const namespaces: Namespace[] = [{ name: 'host', kind: 'host', sources: host.sources, ...(host.files ? { files: host.files } : {}) }];

  const netnsEntry = entries.find((e) => e.name === RAW_NETNS_DIR);
  if (netnsEntry) {
    const netnsDir = path.join(dir, RAW_NETNS_DIR);
    if (!(await isDirectory(netnsDir))) {
      notes.push(`${netnsDir}: not a directory, ignored (expected netns/<name>/ folders)`);
    } else {
      for (const entry of (await listDir(netnsDir)).sort(byName)) {
        const nsDir = path.join(netnsDir, entry.name);
        if (!(await isDirectory(nsDir))) {
          notes.push(`${nsDir}: not a directory, ignored (expected netns/<name>/ folders)`);
        } else if (entry.name === 'host') {
          notes.push(`${nsDir}: the name "host" is reserved for the host namespace, ignored`);
        } else {
          const ns = await importNamespaceDir(nsDir, await listDir(nsDir), notes, { host: false });
          namespaces.push({ name: entry.name, kind: 'named', sources: ns.sources, ...(ns.files ? { files: ns.files } : {}) });
        }
      }
    }
  }

  return {
    schema: SNAPSHOT_SCHEMA_ID,
    meta: { collector: { name: IMPORT_COLLECTOR_NAME, version: VERSION }, notes },
    namespaces,
    sysctlFiles: host.sysctlFiles ?? { status: 'not-collected', reason: `no ${RAW_SYSCTL_DIR}/ in ${dir}`, files: [] },
  };
}

async function importNamespaceDir(
  dir: string,
  entries: Dirent[],
  notes: string[],
  where: { host: boolean },
): Promise<{ sources: Record<string, Source>; sysctlFiles?: PersistedSysctl; files?: Record<string, FileSource> }> {
  const present = new Map<string, string>();
  let sysctlFiles: PersistedSysctl | undefined;
  let files: Record<string, FileSource> | undefined;
  for (const entry of entries.sort(byName)) {
    const full = path.join(dir, entry.name);
    if (!where.host && FORM_BY_FILE.get(entry.name)?.spec.hostOnly) {
      notes.push(`${full}: ${FORM_BY_FILE.get(entry.name)!.spec.id} is read for the host only, ignored`);
    } else if (FORM_BY_FILE.has(entry.name) || PER_TABLE_FORMS.some((f) => tableOfRawFile(f, entry.name) !== undefined)) {
      present.set(entry.name, full);
    } else if (entry.name === RAW_SYSCTL_DIR) {
      if (where.host) sysctlFiles = await importSysctlDir(full, notes);
      else notes.push(`${full}: persisted sysctl files are read for the host only, ignored`);
    } else if (entry.name === RAW_FILES_DIR && entry.isDirectory()) {
      files = await importFileSources(full, where, notes);
    } else if (!(where.host && entry.name === RAW_NETNS_DIR)) {
      notes.push(`${full}: not a known raw-output file name, ignored (see \`netaudit import --help\`)`);
    }
  }
  const sources: Record<string, Source> = {};
  // Host-only sources (nmcli, networkctl) describe the machine: as in the collectors, never a namespace's.
  for (const spec of SOURCES.filter((s) => where.host || !s.hostOnly)) {
    // The source's own form first, then its other forms: the first present is read, the rest noted.
    const forms: RawFileForm[] = [
      ...(spec.rawFile === undefined ? [] : [{ spec }]),
      ...(spec.otherRawForms ?? []).map((other) => ({ spec, other })),
    ];
    // The richer form wins: the source's own form (ip -j, iptables-save), then its text forms.
    const found = forms.filter((f) => filesOfForm(f, present).length > 0);
    const chosen = found[0];
    for (const skipped of found.slice(1)) {
      for (const file of filesOfForm(skipped, present)) notes.push(`${file}: ${spec.id} is read from ${rawFileOf(chosen!)}, ignored`);
    }
    sources[spec.id] =
      chosen === undefined
        ? notCollected(spec, `no ${forms.length === 0 ? spec.id : forms.map(rawFileOf).join(' or ')} in ${dir}`)
        : chosen.other?.perTable
          ? await importedTableListings(chosen, present)
          : importedSource(chosen, await readRawFile(present.get(rawFileOf(chosen))!));
  }
  return { sources, ...(sysctlFiles ? { sysctlFiles } : {}), ...(files ? { files } : {}) };
}

function rawFileOf(form: RawFileForm): string {
  return form.other?.rawFile ?? form.spec.rawFile!;
}

/** The forms held in one file per iptables table (iptables-L-<table>.txt). */
const PER_TABLE_FORMS: readonly RawForm[] = SOURCES.flatMap((s) => (s.otherRawForms ?? []).filter((f) => f.perTable));

/** The files of the directory that hold a form: one, or one per table (filter first, then by name). */
function filesOfForm(form: RawFileForm, present: ReadonlyMap<string, string>): string[] {
  const perTable = form.other?.perTable ? form.other : undefined;
  if (!perTable) return present.has(rawFileOf(form)) ? [present.get(rawFileOf(form))!] : [];
  return tableFiles(perTable, present).map((t) => t.file);
}

function tableFiles(form: RawForm, present: ReadonlyMap<string, string>): { table: string; name: string; file: string }[] {
  const tables = [...present].flatMap(([name, file]) => {
    const table = tableOfRawFile(form, name);
    return table === undefined ? [] : [{ table, name, file }];
  });
  return tables.sort((a, b) => (a.table === b.table ? (a.name < b.name ? -1 : 1) : a.table === 'filter' ? -1 : b.table === 'filter' ? 1 : a.table < b.table ? -1 : 1));
}

/** `iptables-L-<table>.txt` files joined into one source; iptables-L.txt and iptables-L-filter.txt together are one table too many. */
async function importedTableListings(form: RawFileForm, present: ReadonlyMap<string, string>): Promise<Source> {
  const other = form.other!;
  const files = tableFiles(other, present);
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.table === files[i - 1]!.table) {
      throw new InputError(`holds the ${files[i]!.table} table, and so does ${files[i - 1]!.name}: keep one of them`, { file: files[i]!.file });
    }
  }
  const listings = [];
  for (const f of files) {
    const bytes = await readRawFile(f.file);
    const stored = storeBytes(bytes);
    // A listing is text; one that is not UTF-8 is kept as the parser will see it (replacement characters).
    listings.push({ table: f.table, origin: f.name, text: stored.encoding === 'utf8' ? stored.text : bytes.toString('utf8') });
  }
  const text = joinTableListings(listings);
  const source = importedSource(form, Buffer.from(text, 'utf8'));
  return { ...source, status: listings.every((l) => l.text.trim() === '') ? 'empty' : 'ok', command: files.map((f) => other.command.replace('<table>', f.table)).join('; ') };
}

async function importSysctlDir(dir: string, notes: string[]): Promise<PersistedSysctl> {
  if (!(await isDirectory(dir))) {
    notes.push(`${dir}: not a directory, ignored`);
    return { status: 'not-collected', reason: `${dir} is not a directory`, files: [] };
  }
  const dropIns: PersistedFile[] = [];
  let main: PersistedFile | undefined;
  for (const entry of (await listDir(dir)).sort(byName)) {
    const full = path.join(dir, entry.name);
    if (entry.name !== 'sysctl.conf' && !entry.name.endsWith('.conf')) {
      notes.push(`${full}: not a .conf file, ignored (sysctl --system reads only *.conf)`);
      continue;
    }
    if (await isDirectory(full)) {
      notes.push(`${full}: a directory, ignored`);
      continue;
    }
    const stored = storeBytes(await readRawFile(full));
    const file: PersistedFile = {
      path: entry.name === 'sysctl.conf' ? '/etc/sysctl.conf' : `/etc/sysctl.d/${entry.name}`,
      content: stored.text,
      encoding: stored.encoding,
    };
    if (entry.name === 'sysctl.conf') main = file;
    else dropIns.push(file);
  }
  // The order `sysctl --system` applies them in: drop-ins by name, /etc/sysctl.conf last.
  const files = main ? [...dropIns, main] : dropIns;
  return files.length === 0 ? { status: 'empty', files } : { status: 'ok', files };
}

function importedSource(form: RawFileForm, bytes: Buffer): Source {
  const { spec, other } = form;
  return {
    // A pasted file does not say how the command exited.
    ...fileSource(bytes, { status: isBlank(bytes) ? 'empty' : 'ok', command: other?.command ?? spec.argv.join(' '), exitCode: null }),
    // Where a source has more than one raw form, the stored one says which it holds.
    ...(spec.otherRawForms === undefined ? {} : { format: other?.format ?? spec.format }),
  };
}

export function notCollected(spec: SourceSpec, reason: string): Source {
  return unavailableSource(spec.argv.join(' '), 'not-collected', reason);
}

/** Only spaces, tabs and line breaks: a pasted "no output". */
function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) {
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  }
  return true;
}

async function readRawFile(file: string): Promise<Buffer> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new InputError('is a directory, expected a file of command output', { file });
    if (info.size > MAX_SNAPSHOT_BYTES) {
      throw new InputError(`larger than ${formatBytes(MAX_SNAPSHOT_BYTES)}, the size limit`, { file });
    }
    return await readFile(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read: ${systemMessage(err)}`, { file });
  }
}

async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new InputError(`cannot read directory: ${systemMessage(err)}`, { file: dir });
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
