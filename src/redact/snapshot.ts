/**
 * The snapshot walker: every string of a snapshot goes through a redactor chosen by what it is (a source by
 * its id and form, the hostname, process names, stderr, notes), so nothing reaches the output unread.
 * A source whose structure a redactor cannot follow, or whose id it does not know, is dropped (recorded as
 * not collected, with the reason) and said so in the notes: never passed through.
 */
import type { Namespace, PersistedSysctl, Snapshot, Source } from '../snapshot/schema.js';
import { isSourceId, sourceLabel, storedFormat, type SourceFormat, type SourceId } from '../snapshot/sources.js';
import { AddressMapper } from './addresses.js';
import { UnredactableSource, type RedactContext } from './context.js';
import { IdentifierNames } from './identifiers.js';
import { InterfaceNames } from './interface-names.js';
import { addressKeys, derive, type RedactKey } from './key.js';
import { redactIptablesList } from './sources/iptables-list.js';
import { redactIptablesSave } from './sources/iptables.js';
import { redactJson } from './sources/json.js';
import { redactNftText } from './sources/nft-text.js';
import { redactPlainText } from './sources/plain-text.js';
import { redactSs } from './sources/ss.js';
import { redactNmcli } from './sources/host-context.js';
import { redactSysctl, registerSysctlIdentifiers } from './sources/sysctl.js';
import { redactText } from './text-scan.js';
import { redactFileSources, registerFileIdentifiers } from './sources/files.js';
import { Tokens } from './tokens.js';

export interface RedactOptions {
  /** Replace interface names too (kept by default: docker0, veth…, cni0 carry meaning). */
  redactInterfaces: boolean;
}

export interface RedactOutcome {
  snapshot: Snapshot;
  /** One line per source dropped, naming it and why. */
  dropped: string[];
}

export const REDACTED_NOTE = 'redacted by netaudit redact: addresses and MACs mapped by a keyed prefix-preserving permutation, names and comments replaced by tokens';

export function redactSnapshot(snapshot: Snapshot, key: RedactKey, options: RedactOptions): RedactOutcome {
  const ctx = makeContext(key, options);
  registerIdentifiers(snapshot, ctx);
  if (ctx.interfaces) registerInterfaceNames(snapshot, ctx.interfaces);

  const dropped: string[] = [];
  const namespaces = snapshot.namespaces.map((ns) => redactNamespace(ns, ctx, dropped));
  const meta = snapshot.meta;
  const out: Snapshot = {
    schema: snapshot.schema,
    meta: {
      collector: meta.collector,
      notes: [...meta.notes.map((n) => redactText(n, ctx)), REDACTED_NOTE, ...dropped.map((d) => `redact: ${d}`)],
    },
    namespaces,
    sysctlFiles: redactSysctlFiles(snapshot.sysctlFiles, ctx),
  };
  if (meta.hostname !== undefined) out.meta.hostname = ctx.identifiers.add('host', meta.hostname);
  if (meta.kernel !== undefined) out.meta.kernel = redactText(meta.kernel, ctx);
  if (meta.collectedAt !== undefined) out.meta.collectedAt = meta.collectedAt;
  if (meta.user !== undefined) {
    out.meta.user = {};
    if (meta.user.uid !== undefined) out.meta.user.uid = meta.user.uid;
    if (meta.user.name !== undefined) out.meta.user.name = meta.user.name === 'root' ? 'root' : ctx.identifiers.add('user', meta.user.name);
  }
  if (meta.netnsRequested !== undefined) {
    out.meta.netnsRequested = meta.netnsRequested === 'all' ? 'all' : meta.netnsRequested.map((n) => redactText(n, ctx));
  }
  return { snapshot: out, dropped };
}

export function makeContext(key: RedactKey, options: RedactOptions): RedactContext {
  const tokens = new Tokens(derive(key, 'tokens', 32), key.tokens);
  return {
    addresses: new AddressMapper(addressKeys(key)),
    tokens,
    identifiers: new IdentifierNames(tokens),
    interfaces: options.redactInterfaces ? new InterfaceNames(derive(key, 'interfaces', 32), key.tokens) : undefined,
  };
}

/** The names to replace everywhere must be known before the first source is rewritten. */
function registerIdentifiers(snapshot: Snapshot, ctx: RedactContext): void {
  if (snapshot.meta.hostname) ctx.identifiers.add('host', snapshot.meta.hostname);
  if (snapshot.meta.user?.name && snapshot.meta.user.name !== 'root') ctx.identifiers.add('user', snapshot.meta.user.name);
  for (const ns of snapshot.namespaces) {
    const sysctl = ns.sources.sysctl;
    if (sysctl && sysctl.stdoutEncoding === 'utf8') registerSysctlIdentifiers(sysctl.stdout, ctx);
  }
  registerFileIdentifiers(snapshot, ctx);
}

const IFNAME_VALUE = /"(?:ifname|master|link|dev)"\s*:\s*"([^"\\]+)"/g;
const SYSCTL_INTERFACE = /^net\.ipv[46]\.(?:conf|neigh)\.([^.\s=]+)\./gm;

function registerInterfaceNames(snapshot: Snapshot, names: InterfaceNames): void {
  for (const ns of snapshot.namespaces) {
    for (const [id, source] of Object.entries(ns.sources)) {
      if (source.stdoutEncoding !== 'utf8') continue;
      if (id === 'ip-link' || id === 'ip-addr' || id === 'bridge-link') {
        for (const m of source.stdout.matchAll(IFNAME_VALUE)) names.add(m[1]!.replace(/@.*$/, ''));
      }
      if (id === 'sysctl') for (const m of source.stdout.matchAll(SYSCTL_INTERFACE)) names.add(m[1]!.replaceAll('/', '.'));
    }
  }
}

function redactNamespace(ns: Namespace, ctx: RedactContext, dropped: string[]): Namespace {
  const out: Namespace = { name: ns.name, kind: ns.kind, sources: {} };
  if (ns.inode !== undefined) out.inode = ns.inode;
  if (ns.nsid !== undefined) out.nsid = ns.nsid;
  if (ns.pids !== undefined) out.pids = ns.pids;
  if (ns.processes !== undefined) out.processes = ns.processes.map((p) => ctx.tokens.token('process', p));
  for (const [id, source] of Object.entries(ns.sources)) {
    out.sources[id] = redactSource(ns.name, id, source, ctx, dropped);
  }
  if (ns.files !== undefined) out.files = redactFileSources(ns.name, ns.files, ctx, dropped, redactStored);
  return out;
}

function redactSource(namespace: string, id: string, source: Source, ctx: RedactContext, dropped: string[]): Source {
  const label = sourceLabel(namespace, id);
  const out: Source = {
    ...source,
    command: redactText(source.command, ctx),
    stderr: redactStored(source.stderr, source.stderrEncoding, (t) => redactText(t, ctx)),
  };
  if (source.reason !== undefined) out.reason = redactText(source.reason, ctx);
  if (source.stdout === '') return out;
  if (!isSourceId(id)) return droppedSource(out, label, 'a source the redactor does not know', dropped);
  try {
    const redactor = stdoutRedactor(id, storedFormat(id, source), ctx);
    out.stdout = redactStored(source.stdout, source.stdoutEncoding, redactor);
    return out;
  } catch (err) {
    if (!(err instanceof UnredactableSource)) throw err;
    return droppedSource(out, label, `${err.line === undefined ? '' : `line ${err.line}: `}${err.message}`, dropped);
  }
}

function droppedSource(source: Source, label: string, why: string, dropped: string[]): Source {
  dropped.push(`${label} dropped: ${why}; it is not in the redacted snapshot`);
  const out: Source = {
    status: 'not-collected',
    command: source.command,
    exitCode: null,
    stdout: '',
    stdoutEncoding: 'utf8',
    stderr: '',
    stderrEncoding: 'utf8',
    durationMs: source.durationMs,
    truncated: false,
    reason: `dropped by netaudit redact: ${why}`,
  };
  if (source.format !== undefined) out.format = source.format;
  return out;
}

type TextRedactor = (text: string) => string;

function stdoutRedactor(id: SourceId, format: SourceFormat, ctx: RedactContext): TextRedactor {
  if (format === 'json') return (t) => redactJson(t, ctx);
  if (format === 'iptables-list') return (t) => redactIptablesList(t, ctx);
  // netstat's program column is unquoted (names with spaces, then the timer): not followed, so dropped; the
  // /proc/sys files' headers hold interface names the sysctl redactor does not look for.
  if (format === 'proc-sys') {
    return () => {
      throw new UnredactableSource('/proc/sys files: their paths hold interface names outside the sysctl keys the redactor follows');
    };
  }
  if (format === 'netstat') {
    return () => {
      throw new UnredactableSource('netstat -neopa output: its program names are not told apart from the columns around them');
    };
  }
  switch (id) {
    case 'sysctl':
      return (t) => redactSysctl(t, ctx);
    case 'iptables-save':
    case 'ip6tables-save':
    case 'iptables-legacy-save':
    case 'iptables-nft-save':
    case 'ip6tables-legacy-save':
    case 'ip6tables-nft-save':
      return (t) => redactIptablesSave(t, ctx);
    case 'nft-ruleset':
      return (t) => redactNftText(t, ctx);
    case 'ss-tlnp':
    case 'ss-ulnp':
      return (t) => redactSs(t, ctx);
    case 'nmcli-device':
      return (t) => redactNmcli(t, ctx);
    default:
      return (t) => redactPlainText(t, ctx);
  }
}

/**
 * Stored text, in its encoding: base64 (bytes that are not UTF-8) is read byte for byte (latin1) so that the
 * bytes the redactor does not touch stay exactly as they were.
 */
function redactStored(content: string, encoding: 'utf8' | 'base64', redact: TextRedactor): string {
  if (content === '') return content;
  if (encoding === 'utf8') return redact(content);
  return Buffer.from(redact(Buffer.from(content, 'base64').toString('latin1')), 'latin1').toString('base64');
}

function redactSysctlFiles(files: PersistedSysctl, ctx: RedactContext): PersistedSysctl {
  const out: PersistedSysctl = { status: files.status, files: [] };
  if (files.reason !== undefined) out.reason = redactText(files.reason, ctx);
  for (const file of files.files) {
    out.files.push({
      path: redactText(file.path, ctx),
      encoding: file.encoding,
      content: redactStored(file.content, file.encoding, (t) => redactSysctl(t, ctx, { comments: true })),
    });
  }
  return out;
}
