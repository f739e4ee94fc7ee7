/**
 * Whether this machine can run the netns lab: root, the tools, `ip netns add`, a bridge and iptables
 * (nat and filter) inside a namespace. Checked once per test file, synchronously, so suites can
 * `describe.skipIf(!support.ok)` and say why.
 */
import { inNetns, runSync, type RunResult } from './run.js';

export type LabSupport = { ok: true } | { ok: false; reason: string };

const REQUIRED_TOOLS = ['ip', 'iptables', 'iptables-save', 'iptables-restore', 'sysctl', 'busybox', 'sh', 'brctl', 'bridge', 'ss'];

function failure(what: string, r: RunResult): LabSupport {
  const detail = r.timedOut ? 'timed out' : r.stderr.trim().split('\n')[0] || `exit ${r.code}`;
  return { ok: false, reason: `${what} (${detail})` };
}

function probeNamespace(name: string): LabSupport {
  runSync(['ip', 'netns', 'del', name]); // a crashed run's, should the pid be reused
  const add = runSync(['ip', 'netns', 'add', name]);
  if (add.code !== 0) return failure('`ip netns add` failed', add);
  try {
    const bridge = runSync(['ip', '-n', name, 'link', 'add', 'docker0', 'type', 'bridge']);
    if (bridge.code !== 0) return failure('cannot create a bridge inside a namespace', bridge);
    const nat = runSync(inNetns(name, ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '172.18.0.0/16', '!', '-o', 'docker0', '-j', 'MASQUERADE']));
    if (nat.code !== 0) return failure('iptables does not work inside a namespace', nat);
    const filter = runSync(inNetns(name, ['iptables', '-P', 'FORWARD', 'DROP']));
    if (filter.code !== 0) return failure('iptables does not work inside a namespace', filter);
    const saved = runSync(inNetns(name, ['iptables-save']));
    if (saved.code !== 0 || !saved.stdout.includes('-j MASQUERADE')) return failure('iptables-save inside a namespace does not show its rules', saved);
    const loUp = runSync(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    if (loUp.code !== 0) return failure('cannot set a link up inside a namespace', loUp);
    const ping = runSync(inNetns(name, ['busybox', 'ping', '-c', '1', '-W', '1', '127.0.0.1']), { timeoutMs: 3000 });
    if (ping.code !== 0) return failure('busybox ping does not work inside a namespace', ping);
    return { ok: true };
  } finally {
    runSync(['ip', 'netns', 'del', name]);
  }
}

let cached: LabSupport | undefined;

export function labSupport(): LabSupport {
  if (cached) return cached;
  if (process.platform !== 'linux') return (cached = { ok: false, reason: 'not Linux' });
  if (process.getuid?.() !== 0) return (cached = { ok: false, reason: 'not root: network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN' });
  const missing = REQUIRED_TOOLS.filter((tool) => runSync(['sh', '-c', `command -v ${tool}`]).code !== 0);
  if (missing.length > 0) return (cached = { ok: false, reason: `missing tools: ${missing.join(', ')}` });
  cached = probeNamespace(`naprobe${process.pid}`);
  return cached;
}

/** Prints the reason a lab suite is skipped, so a skipped e2e run is never mistaken for a passing one. */
export function warnIfUnsupported(suite: string, support: LabSupport): void {
  if (!support.ok) console.warn(`SKIP ${suite}: ${support.reason}`);
}
