/**
 * File sources (src/snapshot/host-files.ts), each by the redaction its catalogue entry names; every line
 * keeps its number (evidence quotes lines):
 * - resolv-conf: nameserver addresses mapped, search and domain names replaced by `domain-…` tokens (and
 *   registered, so the same names are replaced wherever they appear), comments tokens, options kept;
 * - json (daemon.json): keys kept; the values of the network settings rules read (bip, fixed-cidr,
 *   default-address-pools, dns, …) with their addresses mapped, booleans and numbers kept, every other
 *   string (hosts, URLs, paths, labels) a token;
 * - cmdline: the runtime's program name and flag names kept; values that are booleans, numbers or modes
 *   kept, addresses mapped, the rest (tokens, URLs, host names, paths) tokens;
 * - addresses: addresses mapped and identifying names replaced, as for plain text.
 * - nm-conf, networkd, cni-json: NetworkManager.conf, .network files and CNI configurations (src/redact/sources/host-context.ts).
 * A file source the catalogue does not know is dropped, never passed through.
 */
import { FILE_SOURCE_BY_ID, fileLabel, type FileRedaction } from '../../snapshot/host-files.js';
import type { FileSource, Snapshot } from '../../snapshot/schema.js';
import { UnredactableSource, type RedactContext } from '../context.js';
import { redactText } from '../text-scan.js';
import { redactCniJson, redactNmConf } from './host-context.js';

type Redactor = (text: string, ctx: RedactContext) => string;

const REDACTORS: Record<FileRedaction, Redactor> = {
  'resolv-conf': redactResolvConf,
  json: redactDaemonJson,
  cmdline: redactCmdline,
  addresses: (t, ctx) => redactText(t, ctx),
  'nm-conf': redactNmConf,
  networkd: redactNmConf,
  'cni-json': redactCniJson,
};

export function redactFileSources(namespace: string, files: Record<string, FileSource>, ctx: RedactContext, dropped: string[], redactStored: (content: string, encoding: 'utf8' | 'base64', redact: (t: string) => string) => string): Record<string, FileSource> {
  const out: Record<string, FileSource> = {};
  for (const [id, source] of Object.entries(files)) {
    const spec = FILE_SOURCE_BY_ID.get(id);
    const result: FileSource = { status: source.status, files: [] };
    if (source.reason !== undefined) result.reason = redactText(source.reason, ctx);
    if (!spec) {
      dropped.push(`${fileLabel(namespace, id)} dropped: a file source the redactor does not know; it is not in the redacted snapshot`);
      out[id] = { status: 'not-collected', reason: 'dropped by netaudit redact: a file source the redactor does not know', files: [] };
      continue;
    }
    try {
      for (const file of source.files) {
        const copy = { ...file, path: redactText(file.path, ctx) };
        if (file.readFrom !== undefined) copy.readFrom = redactText(file.readFrom, ctx);
        if (file.linkTarget !== undefined) copy.linkTarget = redactText(file.linkTarget, ctx);
        if (file.reason !== undefined) copy.reason = redactText(file.reason, ctx);
        if (file.content !== undefined) copy.content = redactStored(file.content, file.encoding ?? 'utf8', (t) => REDACTORS[spec.redact](t, ctx));
        result.files.push(copy);
      }
      out[id] = result;
    } catch (err) {
      if (!(err instanceof UnredactableSource)) throw err;
      const why = `${err.line === undefined ? '' : `line ${err.line}: `}${err.message}`;
      dropped.push(`${fileLabel(namespace, id)} dropped: ${why}; it is not in the redacted snapshot`);
      out[id] = { status: 'not-collected', reason: `dropped by netaudit redact: ${why}`, files: [] };
    }
  }
  return out;
}

/** Search domains of every resolv.conf, registered before any source is redacted (they appear elsewhere too). */
export function registerFileIdentifiers(snapshot: Snapshot, ctx: RedactContext): void {
  for (const ns of snapshot.namespaces) {
    for (const [id, source] of Object.entries(ns.files ?? {})) {
      if (FILE_SOURCE_BY_ID.get(id)?.redact !== 'resolv-conf') continue;
      for (const file of source.files) {
        if (file.content === undefined || file.encoding === 'base64') continue;
        for (const line of file.content.split('\n')) {
          const m = SEARCH.exec(line);
          if (m) for (const domain of m[3]!.split(/[ \t]+/).filter(Boolean)) registerDomain(domain, ctx);
        }
      }
    }
  }
}

const SEARCH = /^(search|domain)([ \t]+)([^#;]*?)([ \t]*(?:[#;].*)?)$/;
const COMMENT = /^([ \t]*[#;][ \t]?)(.*)$/;

function registerDomain(domain: string, ctx: RedactContext): string {
  // The root domain "." and single-label local names carry nothing identifying.
  return domain === '.' ? domain : ctx.identifiers.add('domain', domain.replace(/\.$/, ''));
}

function redactResolvConf(text: string, ctx: RedactContext): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const cr = line.endsWith('\r') ? '\r' : '';
    const body = cr ? line.slice(0, -1) : line;
    const comment = COMMENT.exec(body);
    if (comment) {
      if (comment[2]!.trim() !== '') lines[i] = `${comment[1]}${ctx.tokens.token('comment', comment[2]!)}${cr}`;
      continue;
    }
    const search = SEARCH.exec(body);
    if (search) {
      const domains = search[3]!.split(/([ \t]+)/).map((part) => (part.trim() === '' ? part : registerDomain(part, ctx)));
      const tail = search[4]!.replace(/^([ \t]*[#;])(.*)$/, (_w, head: string, rest: string) => (rest.trim() === '' ? `${head}${rest}` : `${head}${ctx.tokens.token('comment', rest)}`));
      lines[i] = `${search[1]}${search[2]}${domains.join('')}${tail}${cr}`;
      continue;
    }
    lines[i] = redactText(line, ctx);
  }
  return lines.join('\n');
}

/** daemon.json values kept (addresses mapped): the network settings the model reads, and plain scalars. */
const ADDRESS_KEYS = new Set(['bip', 'fixed-cidr', 'fixed-cidr-v6', 'default-address-pools', 'dns', 'ip', 'default-gateway', 'default-gateway-v6', 'bridge', 'firewall-backend', 'iptables', 'ip6tables', 'ip-forward', 'ip-masq', 'userland-proxy', 'mtu', 'log-level', 'storage-driver', 'base', 'size']);

function redactDaemonJson(text: string, ctx: RedactContext): string {
  const out: string[] = [];
  let depth = 0;
  let topKey: string | undefined;
  let expectKey = false;
  let last = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    else if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\') i++;
        if (text[i] === '\n') throw new UnredactableSource('a string the redactor could not follow', line);
      }
      if (i >= text.length) throw new UnredactableSource('a string the redactor could not follow', line);
      const literal = text.slice(start, i + 1);
      let value: string;
      try {
        value = JSON.parse(literal) as string;
      } catch {
        throw new UnredactableSource('a string the redactor could not follow', line);
      }
      const isKey = /^\s*:/.test(text.slice(i + 1, i + 20));
      if (isKey) {
        if (depth === 1 && expectKey) topKey = value;
        expectKey = false;
        continue;
      }
      const replacement = topKey !== undefined && ADDRESS_KEYS.has(topKey) ? redactText(value, ctx) : value === '' ? value : ctx.tokens.token('text', value);
      out.push(text.slice(last, start), JSON.stringify(replacement));
      last = i + 1;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  out.push(text.slice(last));
  return out.join('');
}

/** Flags whose values are addresses or networks: mapped. */
const ADDRESS_FLAGS = new Set(['bip', 'fixed-cidr', 'fixed-cidr-v6', 'default-address-pool', 'dns', 'ip', 'default-gateway', 'default-gateway-v6', 'cluster-cidr', 'pod-cidr', 'node-ip', 'bind-address', 'healthz-bind-address', 'metrics-bind-address', 'cluster-dns', 'address']);
/** Flags whose single-word values are modes or names a reader needs: kept. */
const WORD_FLAGS = new Set(['proxy-mode', 'firewall-backend', 'bridge', 'b', 'log-level', 'cgroup-driver', 'container-runtime', 'storage-driver', 'network-plugin', 'ipvs-scheduler', 'exec-opt', 'v']);
const PLAIN_VALUE = /^(?:true|false|[0-9]+(?:\.[0-9]+)?[a-z]{0,3})$/i;
const RUNTIMES = new Set(['dockerd', 'containerd', 'kubelet', 'kube-proxy']);

function redactCmdline(text: string, ctx: RedactContext): string {
  const nul = text.includes('\u0000');
  const sep = nul ? '\u0000' : ' ';
  // A pasted one-line command line: only the first line is an argv; other lines are plain text.
  const [first, ...rest] = nul ? [text] : text.split('\n');
  const args = first!.split(sep);
  let pendingFlag: string | undefined;
  const redacted = args.map((arg, i) => {
    if (arg === '') return arg;
    if (i === 0) {
      const base = arg.split('/').pop() ?? arg;
      return RUNTIMES.has(base) ? arg : ctx.tokens.token('process', arg);
    }
    const m = /^(--?[A-Za-z0-9][A-Za-z0-9._-]*)(?:=(.*))?$/s.exec(arg);
    if (m) {
      const flag = m[1]!.replace(/^-+/, '');
      if (m[2] === undefined) {
        pendingFlag = flag;
        return arg;
      }
      pendingFlag = undefined;
      return `${m[1]}=${redactValue(flag, m[2], ctx)}`;
    }
    const flag = pendingFlag;
    pendingFlag = undefined;
    return redactValue(flag, arg, ctx);
  });
  return [redacted.join(sep), ...rest.map((l) => redactText(l, ctx))].join('\n');
}

function redactValue(flag: string | undefined, value: string, ctx: RedactContext): string {
  if (value === '' || PLAIN_VALUE.test(value)) return value;
  if (flag !== undefined && ADDRESS_FLAGS.has(flag)) return redactText(value, ctx);
  if (flag !== undefined && WORD_FLAGS.has(flag) && /^[A-Za-z0-9_.=-]+$/.test(value)) return value;
  return ctx.tokens.token('text', value);
}
