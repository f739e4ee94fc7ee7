/**
 * A sosreport as a snapshot: the host namespace from the plugins' outputs, one named namespace for each
 * `ip netns exec NAME ...` sos ran, the persisted sysctl files sos copied, and for each source netaudit
 * reads either sos's output (in the form sos collected it, recorded as `format`) or why there is none:
 * the command failed (manifest exit code), sos skipped it (sos.log's reason), or sos does not collect it.
 */
import { VERSION } from '../../version.js';
import { joinTableListings, type TableListing } from '../iptables-list-files.js';
import type { Namespace, PersistedFile, PersistedSysctl, Snapshot, Source } from '../schema.js';
import { SNAPSHOT_SCHEMA_ID } from '../schema-id.js';
import { SOURCES, type SourceFormat, type SourceId, type SourceSpec } from '../sources.js';
import { MAIN_SYSCTL_CONF, SYSCTL_D_DIRS } from '../sysctl-dirs.js';
import { unavailableSource } from '../unavailable.js';
import { fileSource, storeBytes } from '../utf8.js';
import { readCommands, type SosCommand, type SosCommands } from './commands.js';
import { procSysSource } from './proc-sys.js';
import { sosreportFileSources } from './files.js';
import { HOST_SOURCES, listingTable, NAMESPACE_SOURCES, type SosForm } from './source-map.js';
import { joinPath, type SosTree } from './tree.js';

export const SOSREPORT_COLLECTOR_NAME = 'sos report';

/** The commands of one namespace, by their name without the `ip netns exec NAME ` prefix. */
type NamespaceCommands = Map<string, SosCommand>;

interface Context {
  tree: SosTree;
  commands: SosCommands;
}

export async function sosreportSnapshot(tree: SosTree): Promise<Snapshot> {
  const commands = await readCommands(tree);
  const ctx: Context = { tree, commands };
  const notes = [...commands.notes];
  const listed = await listedNamespaces(tree, commands);
  const { host, named } = splitByNamespace(commands.byName, [...listed.keys()]);
  const namespaces: Namespace[] = [{ name: 'host', kind: 'host', sources: await namespaceSources(ctx, host, HOST_SOURCES, ''), files: await sosreportFileSources(tree) }];
  for (const [name, own] of [...named].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const ns: Namespace = { name, kind: 'named', sources: await namespaceSources(ctx, own, NAMESPACE_SOURCES, `ip netns exec ${name} `) };
    const nsid = listed.get(name);
    if (nsid !== undefined) ns.nsid = nsid;
    namespaces.push(ns);
  }
  const notCollected = [...listed.keys()].filter((n) => !named.has(n));
  if (notCollected.length > 0) notes.push(`namespaces listed by \`ip netns\` that sos collected nothing from (its networking.namespace_pattern or namespaces options?): ${notCollected.join(', ')}`);
  const uname = (await tree.read('sos_commands/kernel/uname_-a')) ?? (await tree.read('uname'));
  const unameWords = uname?.toString('utf8').trim().split(/\s+/) ?? [];
  const hostname = (await tree.read('hostname'))?.toString('utf8').trim() || unameWords[1];
  return {
    schema: SNAPSHOT_SCHEMA_ID,
    meta: {
      ...(hostname ? { hostname } : {}),
      ...(unameWords[2] ? { kernel: unameWords[2] } : {}),
      ...(commands.startTime ? { collectedAt: commands.startTime.replace(' ', 'T') } : {}),
      collector: { name: SOSREPORT_COLLECTOR_NAME, version: commands.version ?? (await versionTxt(tree)) ?? 'unknown' },
      notes,
    },
    namespaces,
    sysctlFiles: await persistedSysctl(tree),
  };
}

/** `ip netns` as sos ran it: each name, with the id the host gives it (`blue (id: 1)`). */
async function listedNamespaces(tree: SosTree, commands: SosCommands): Promise<Map<string, number | undefined>> {
  const listed = new Map<string, number | undefined>();
  const path = commands.byName.get('ip_netns')?.path;
  const text = path === undefined ? undefined : (await tree.read(path))?.toString('utf8');
  for (const line of text?.split('\n') ?? []) {
    const m = /^(\S+)(?: \(id: (\d+)\))?\s*$/.exec(line);
    if (m) listed.set(m[1] as string, m[2] === undefined ? undefined : Number(m[2]));
  }
  return listed;
}

/** Every known command a namespace can have, for telling `ip_netns_exec_<ns>_<command>` apart. */
const NAMESPACE_COMMANDS = [...new Set(Object.values(NAMESPACE_SOURCES).flatMap((f) => f.names))];
const NETNS_EXEC = 'ip_netns_exec_';

function splitByNamespace(byName: ReadonlyMap<string, SosCommand>, listed: readonly string[]): { host: NamespaceCommands; named: Map<string, NamespaceCommands> } {
  const host: NamespaceCommands = new Map();
  const named = new Map<string, NamespaceCommands>();
  for (const [name, command] of byName) {
    if (!name.startsWith(NETNS_EXEC)) {
      host.set(name, command);
      continue;
    }
    const rest = name.slice(NETNS_EXEC.length);
    // The namespace's name: one `ip netns` listed, else what is left before a command netaudit knows.
    const ns =
      listed.find((n) => rest.startsWith(`${n}_`)) ??
      NAMESPACE_COMMANDS.filter((c) => rest.endsWith(`_${c}`)).map((c) => rest.slice(0, rest.length - c.length - 1))[0];
    if (ns === undefined || ns === '') continue;
    let own = named.get(ns);
    if (!own) named.set(ns, (own = new Map()));
    own.set(rest.slice(ns.length + 1), command);
  }
  // A namespace is collected when sos ran one of the commands netaudit reads in it.
  for (const [ns, own] of named) if (![...own.keys()].some((c) => NAMESPACE_COMMANDS.includes(c))) named.delete(ns);
  return { host, named };
}

async function namespaceSources(ctx: Context, own: NamespaceCommands, forms: Partial<Record<SourceId, SosForm>>, prefix: string): Promise<Record<string, Source>> {
  const sources: Record<string, Source> = {};
  for (const spec of SOURCES) {
    const form = forms[spec.id];
    let source = form ? await sourceOf(ctx, spec, form, own, prefix) : undefined;
    if ((spec.id === 'iptables-save' || spec.id === 'ip6tables-save') && (source === undefined || source.status === 'not-collected')) {
      const program = spec.id === 'iptables-save' ? 'iptables' : 'ip6tables';
      source = (await listingSource(ctx, program, own)) ?? skippedListing(ctx, program, prefix) ?? source;
    }
    // No `sysctl -a` of the host: the /proc/sys files sos copied, where it copied any.
    if (spec.id === 'sysctl' && prefix === '' && (source === undefined || (source.status !== 'ok' && source.status !== 'empty'))) {
      source = (await procSysSource(ctx.tree, source?.reason ?? 'no sysctl -a in the sosreport')) ?? source;
    }
    sources[spec.id] = source ?? notCollected(spec, `sos does not collect \`${spec.argv.join(' ')}\` or a form of it netaudit reads`);
  }
  return sources;
}

/** The first of the form's outputs sos kept; else why none is there. */
async function sourceOf(ctx: Context, spec: SourceSpec, form: SosForm, own: NamespaceCommands, prefix: string): Promise<Source> {
  // Each form's command by its name within the namespace (without `ip netns exec NAME `).
  const named = form.names.flatMap((name) => (own.has(name) ? [{ name, command: own.get(name)! }] : []));
  const ran = named.map((n) => n.command);
  // A command that failed (ss not installed: exit 127) gives way to a later form that ran.
  for (const { name, command } of [...named.filter((n) => !n.command.exitCode), ...named.filter((n) => n.command.exitCode)]) {
    const bytes = command.path === undefined ? undefined : await ctx.tree.read(command.path);
    if (bytes !== undefined) return outputSource(command, bytes, form.formatOf?.[name] ?? form.format);
  }
  const failed = ran.find((c) => c.exitCode !== undefined && c.exitCode !== 0);
  if (failed) {
    return unavailableSource(commandLine(failed), 'failed', `sos ran \`${commandLine(failed)}\`: exit code ${failed.exitCode}${failed.exitCode === 127 ? ' (command not found)' : ''}, no output kept (${'sos_reports/manifest.json'})`);
  }
  for (const name of form.names) {
    const skipped = ctx.commands.skipped.get(`${prefix === '' ? '' : prefix.replace(/ /g, '_')}${name}`);
    if (skipped) return unavailableSource(skipped.exec, 'not-collected', `sos skipped \`${skipped.exec}\`: ${skipped.reason} (sos_logs/sos.log line ${skipped.line})`);
  }
  return notCollected(spec, `not in the sosreport (looked for ${form.names.map((n) => `${prefix.replace(/ /g, '_')}${n}`).join(', ')})`);
}

function outputSource(command: SosCommand, bytes: Buffer, format: SourceFormat): Source {
  const failed = command.exitCode !== undefined && command.exitCode !== 0;
  return {
    ...fileSource(bytes, { status: failed ? 'failed' : bytes.toString('latin1').trim() === '' ? 'empty' : 'ok', command: commandLine(command), exitCode: command.exitCode ?? null }),
    ...(failed ? { reason: `exit code ${command.exitCode} (sos_reports/manifest.json)` } : {}),
    format,
  };
}

/** `iptables -vnxL` and `iptables -t TABLE -nvL` joined into the iptables-list form, one listing per table. */
async function listingSource(ctx: Context, program: 'iptables' | 'ip6tables', own: NamespaceCommands): Promise<Source | undefined> {
  const tables = new Map<string, { command: SosCommand; exact: boolean }>();
  for (const [name, command] of own) {
    const t = listingTable(program, name);
    if (!t || command.path === undefined) continue;
    const known = tables.get(t.table);
    // Exact counters (-x) win over abbreviated ones for the same table.
    if (!known || (t.exact && !known.exact)) tables.set(t.table, { command, exact: t.exact });
  }
  if (tables.size === 0) return undefined;
  const listings: TableListing[] = [];
  const used: SosCommand[] = [];
  const order = [...tables.keys()].sort((a, b) => (a === 'filter' ? -1 : b === 'filter' ? 1 : a < b ? -1 : 1));
  for (const table of order) {
    const { command } = tables.get(table)!;
    const bytes = await ctx.tree.read(command.path!);
    if (bytes === undefined) continue;
    listings.push({ table, origin: command.path!, text: bytes.toString('utf8') });
    used.push(command);
  }
  if (listings.length === 0) return undefined;
  const text = joinTableListings(listings);
  return {
    status: listings.every((l) => l.text.trim() === '') ? 'empty' : 'ok',
    command: used.map(commandLine).join('; '),
    exitCode: null,
    stdout: text,
    stdoutEncoding: 'utf8',
    stderr: '',
    stderrEncoding: 'utf8',
    durationMs: 0,
    truncated: false,
    format: 'iptables-list',
  };
}

/** The listing sos skipped (kernel modules it could not see loaded), as not collected with sos's reason. */
function skippedListing(ctx: Context, program: 'iptables' | 'ip6tables', prefix: string): Source | undefined {
  const mangledPrefix = prefix.replace(/ /g, '_');
  for (const [name, skipped] of ctx.commands.skipped) {
    if (!name.startsWith(mangledPrefix) || !listingTable(program, name.slice(mangledPrefix.length))) continue;
    return unavailableSource(skipped.exec, 'not-collected', `sos skipped \`${skipped.exec}\`: ${skipped.reason} (sos_logs/sos.log line ${skipped.line})`);
  }
  return undefined;
}

/** The command line: as the manifest gives it, else read back from the file name. */
function commandLine(c: SosCommand): string {
  return c.exec ?? c.name.replace(/_/g, ' ');
}

function notCollected(spec: SourceSpec, reason: string): Source {
  return unavailableSource(spec.argv.join(' '), 'not-collected', reason);
}

async function versionTxt(tree: SosTree): Promise<string | undefined> {
  const text = (await tree.read('version.txt'))?.toString('utf8');
  return text === undefined ? undefined : /(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1];
}

/** The sysctl.d directories and /etc/sysctl.conf sos copied, in the order systemd-sysctl reads them. */
async function persistedSysctl(tree: SosTree): Promise<PersistedSysctl> {
  const files: PersistedFile[] = [];
  let anyDir = false;
  for (const dir of SYSCTL_D_DIRS) {
    const rel = dir.slice(1);
    const names = await tree.list(rel);
    if (names === undefined) continue;
    anyDir = true;
    for (const name of names.filter((n) => n.endsWith('.conf'))) {
      const bytes = await tree.read(joinPath(rel, name));
      if (bytes === undefined) continue;
      const stored = storeBytes(bytes);
      files.push({ path: `${dir}/${name}`, content: stored.text, encoding: stored.encoding });
    }
  }
  const main = await tree.read(MAIN_SYSCTL_CONF.slice(1));
  if (main !== undefined) {
    const stored = storeBytes(main);
    files.push({ path: MAIN_SYSCTL_CONF, content: stored.text, encoding: stored.encoding });
  }
  if (!anyDir && main === undefined) return { status: 'not-collected', reason: 'the sosreport holds no copy of /etc/sysctl.conf or a sysctl.d directory (sos kernel plugin)', files: [] };
  return { status: files.length === 0 ? 'empty' : 'ok', files };
}
