/**
 * The commands a sosreport ran, each known by the file name sos gives its output (sos's mangling of the
 * command line: `ip -o addr` → `ip_-o_addr`). sos 4.x lists them in sos_reports/manifest.json with their
 * exit codes and files, which is read first; files the manifest does not name (sos 3.x has none) are
 * found in the plugins' folders. sos.log says which commands sos skipped, and why.
 */
import { SOS_COMMANDS, SOS_LOG, SOS_MANIFEST, NETWORK_PLUGINS } from './layout.js';
import { joinPath, type SosTree } from './tree.js';

export interface SosCommand {
  /** The mangled command line: the output's file name. */
  name: string;
  /** The command line as sos ran it, where the manifest gives it. */
  exec?: string;
  /** The output's path in the report; absent where sos kept no output. */
  path?: string;
  /** From the manifest. */
  exitCode?: number;
}

export interface SosCommands {
  byName: Map<string, SosCommand>;
  /** Commands sos skipped, by mangled name: sos's reason and the log line. */
  skipped: Map<string, { reason: string; line: number; exec: string }>;
  notes: string[];
  version?: string;
  startTime?: string;
}

/** sos's `_mangle_command`: the command line as a file name. */
export function mangleCommand(exec: string): string {
  return exec
    .replace(/^\/(usr\/|)(bin|sbin)\//, '')
    .replace(/[^\w\-./]+/g, '_')
    .replace(/\//g, '.')
    .replace(/^[ ._-]+|[ ._-]+$/g, '')
    .slice(0, 255);
}

interface ManifestCommand {
  exec?: unknown;
  filepath?: unknown;
  return_code?: unknown;
}

export async function readCommands(tree: SosTree): Promise<SosCommands> {
  const result: SosCommands = { byName: new Map(), skipped: new Map(), notes: [] };
  await readManifest(tree, result);
  for (const plugin of NETWORK_PLUGINS) await addFolder(tree, `${SOS_COMMANDS}/${plugin}`, result);
  // sos 4.x puts each namespace's outputs in networking/namespaces/<ns>/.
  const nsRoot = `${SOS_COMMANDS}/networking/namespaces`;
  for (const ns of (await tree.list(nsRoot)) ?? []) await addFolder(tree, joinPath(nsRoot, ns), result);
  await readSkipped(tree, result);
  return result;
}

async function readManifest(tree: SosTree, result: SosCommands): Promise<void> {
  const bytes = await tree.read(SOS_MANIFEST);
  if (!bytes) return;
  let manifest: unknown;
  try {
    manifest = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    result.notes.push(`${SOS_MANIFEST}: not valid JSON (${(err as Error).message}), outputs found by their file names instead`);
    return;
  }
  const m = manifest as { version?: unknown; start_time?: unknown; components?: { report?: { plugins?: Record<string, { commands?: ManifestCommand[] }> } } };
  if (typeof m.version === 'string') result.version = m.version;
  if (typeof m.start_time === 'string') result.startTime = m.start_time;
  const plugins = m.components?.report?.plugins;
  if (!plugins || typeof plugins !== 'object') return;
  for (const [plugin, entry] of Object.entries(plugins)) {
    if (!(NETWORK_PLUGINS as readonly string[]).includes(plugin) || !Array.isArray(entry?.commands)) continue;
    for (const c of entry.commands) {
      if (typeof c?.exec !== 'string') continue;
      const name = mangleCommand(c.exec);
      if (result.byName.has(name)) continue;
      const command: SosCommand = { name, exec: c.exec };
      if (typeof c.filepath === 'string') command.path = c.filepath;
      if (typeof c.return_code === 'number') command.exitCode = c.return_code;
      result.byName.set(name, command);
    }
  }
}

async function addFolder(tree: SosTree, dir: string, result: SosCommands): Promise<void> {
  for (const name of (await tree.list(dir)) ?? []) {
    const known = result.byName.get(name);
    if (known && known.path === undefined) continue;
    if (!known) result.byName.set(name, { name, path: joinPath(dir, name) });
  }
}

/** `[plugin:networking] skipped command 'iptables -vnxL': required kmods missing: iptable_filter, nf_tables.` */
const SKIPPED = /skipped (?:command|cmd output) '([^']+)'(?::| due to predicate) ?\(?(.*?)\)?\s*$/;

async function readSkipped(tree: SosTree, result: SosCommands): Promise<void> {
  const bytes = await tree.read(SOS_LOG);
  if (!bytes) return;
  const lines = bytes.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = SKIPPED.exec(lines[i] as string);
    if (!m) continue;
    const exec = m[1] as string;
    const reason = (m[2] as string).replace(/\s+Use '--allow-system-changes' to enable collection\.?/, '').replace(/\.\s*$/, '').trim();
    result.skipped.set(mangleCommand(exec), { reason, line: i + 1, exec });
  }
}
