/**
 * A process's command line as /proc/PID/cmdline holds it: the arguments, each ended by a NUL byte (no
 * environment). A raw-output directory may hold it pasted as one line instead (`tr '\0' ' '`, `ps -o args`):
 * then the arguments are split at blanks, with '…' and "…" quoting. Flags are read the way the daemons' flag
 * libraries (Go's pflag/cobra) read them: `--name=value`, `--name value` for a flag that takes a value,
 * `--name` alone for a boolean (a boolean never takes the next argument: `--iptables false` is not false).
 *
 * Evidence: the command line is one line (line 1), quoted as the arguments joined by spaces.
 */
import { clip, fail, type Evidence, type ParseInput, type Parsed, type ParseNote } from './common.js';

export interface CmdlineFlag {
  /** Without dashes: "iptables", "bip", "H". */
  name: string;
  /** undefined for a boolean flag given alone. */
  value?: string;
  /** Position in argv. */
  index: number;
}

export interface ProcessCmdline {
  argv: string[];
  /** argv[0]'s base name: "dockerd", "kubelet". */
  program: string;
  flags: CmdlineFlag[];
  evidence: Evidence;
}

/**
 * Boolean flags of the runtimes, which never take the next argument as their value. A flag not listed
 * takes the next argument when that does not start with a dash.
 */
const BOOLEAN_FLAGS: Record<string, ReadonlySet<string>> = {
  dockerd: new Set(['iptables', 'ip6tables', 'ip-forward', 'ip-masq', 'userland-proxy', 'icc', 'debug', 'D', 'experimental', 'live-restore', 'tls', 'tlsverify', 'selinux-enabled', 'ipv6', 'no-new-privileges', 'rootless', 'init', 'validate', 'version', 'v', 'help']),
  containerd: new Set(['version', 'v', 'help', 'h']),
  kubelet: new Set(['fail-swap-on', 'register-node', 'rotate-certificates', 'v', 'help', 'h', 'version', 'make-iptables-util-chains', 'anonymous-auth', 'enable-server', 'cgroups-per-qos', 'exit-on-lock-contention']),
  'kube-proxy': new Set(['masquerade-all', 'cleanup', 'help', 'h', 'version', 'v', 'ipvs-strict-arp', 'bind-address-hard-fail']),
};

export function parseProcessCmdline(input: ParseInput): Parsed<ProcessCmdline> {
  const notes: ParseNote[] = [];
  const argv = input.text.includes('\u0000') ? splitNul(input.text) : splitBlanks(input, notes);
  if (argv.length === 0) fail(input, 'an empty command line (a kernel thread, or a process that exited)', 1, 'expected /proc/PID/cmdline of a dockerd, containerd, kubelet or kube-proxy process');
  const program = argv[0]!.split('/').pop() ?? argv[0]!;
  const booleans = BOOLEAN_FLAGS[program] ?? new Set<string>();
  const flags: CmdlineFlag[] = [];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    const m = /^--?([A-Za-z0-9][A-Za-z0-9._-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) continue;
    const name = m[1]!;
    if (m[2] !== undefined) {
      flags.push({ name, value: m[2], index: i });
    } else if (!booleans.has(name) && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) {
      flags.push({ name, value: argv[i + 1]!, index: i });
      i++;
    } else {
      flags.push({ name, index: i });
    }
  }
  return { value: { argv, program, flags, evidence: { source: input.source, line: 1, text: clip(argv.join(' ')) } }, notes };
}

function splitNul(text: string): string[] {
  const parts = text.split('\u0000');
  // The kernel ends every argument with NUL: the last (empty) part is not an argument.
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** A pasted command line: blanks separate, quotes group; a newline ends it (a second line is noted). */
function splitBlanks(input: ParseInput, notes: ParseNote[]): string[] {
  const lines = input.text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length > 1) notes.push({ source: input.source, line: 2, message: 'more than one line: the first is read as the command line, the rest ignored', dropped: true });
  const line = lines[0] ?? '';
  const argv: string[] = [];
  let current: string | undefined;
  let quote: string | undefined;
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = undefined;
      else current = (current ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current = current ?? '';
    } else if (c === ' ' || c === '\t') {
      if (current !== undefined) argv.push(current);
      current = undefined;
    } else current = (current ?? '') + c;
  }
  if (quote) fail(input, `unterminated ${quote} quote`, 1);
  if (current !== undefined) argv.push(current);
  return argv;
}
