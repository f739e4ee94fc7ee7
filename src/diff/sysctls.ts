/**
 * Sysctls: the running values of one namespace (`sysctl -a`), and the host's persisted settings (the line of
 * the sysctl.d files that wins for each key).
 *
 * Counters and random values the kernel changes by itself (`fs.file-nr`, `kernel.random.uuid`,
 * `net.netfilter.nf_conntrack_count`, ...) are not configuration: they are left out. So are the per-interface
 * keys of an interface that came or went: the interface change says it, fifty sysctls would only repeat it.
 */
import type { Namespace, PersistedSysctl } from '../model/types.js';
import type { SysctlConfEntry } from '../parse/types.js';
import { compareKeyed, type ChangeList, type Pair } from './change-list.js';
import type { InterfaceChanges } from './interfaces.js';

/** Keys whose value the kernel keeps changing on its own. */
const VOLATILE = new Set([
  'fs.dentry-state',
  'fs.file-nr',
  'fs.inode-nr',
  'fs.inode-state',
  'fs.aio-nr',
  'fs.quota.allocated_dquots',
  'fs.quota.cache_hits',
  'fs.quota.drops',
  'fs.quota.free_dquots',
  'fs.quota.lookups',
  'fs.quota.reads',
  'fs.quota.syncs',
  'fs.quota.writes',
  'kernel.ns_last_pid',
  'kernel.pty.nr',
  'kernel.random.boot_id',
  'kernel.random.entropy_avail',
  'kernel.random.uuid',
  'kernel.tainted',
  'net.netfilter.nf_conntrack_count',
  'net.netfilter.nf_conntrack_expect_count',
  'vm.stat_refresh',
]);

/** net.ipv4.conf.eth0.forwarding → eth0; net.ipv6.neigh.veth1/2.ucast_solicit → veth1.2. */
const PER_INTERFACE = /^net\.ipv[46]\.(?:conf|neigh)\.([^.]+)\./;

function interfaceOfKey(key: string): string | undefined {
  const match = PER_INTERFACE.exec(key);
  return match ? (match[1] as string).replaceAll('/', '.') : undefined;
}

export function isVolatileSysctl(key: string): boolean {
  return VOLATILE.has(key);
}

export function diffRunningSysctls(pair: Pair<Namespace>, interfaces: InterfaceChanges, changes: ChangeList): void {
  const ns = pair.after.name;
  // Not collected on one side: the source change says so.
  if (!pair.before.sysctl.available || !pair.after.sysctl.available) return;
  const folded = (key: string): boolean => {
    if (VOLATILE.has(key)) return true;
    const iface = interfaceOfKey(key);
    return iface !== undefined && (interfaces.gone.has(iface) || interfaces.appeared.has(iface));
  };
  compareKeyed(pair.before.sysctl.entries, pair.after.sysctl.entries, {
    removed: (key, v) => {
      if (!folded(key)) changes.add('sysctl', ns, key, v.value, null, { before: v.evidence });
    },
    added: (key, v) => {
      if (!folded(key)) changes.add('sysctl', ns, key, null, v.value, { after: v.evidence });
    },
    both: (key, { before, after }) => {
      if (before.value === after.value || folded(key)) return;
      changes.add('sysctl', ns, key, before.value, after.value, { before: before.evidence, after: after.evidence });
    },
  });
}

/** "1", or "excluded (-key)" for a line that keeps globs off the key. */
function persistedValue(e: SysctlConfEntry): string {
  return e.excluded ? 'excluded (-key)' : e.value;
}

function persistedEvidence(e: SysctlConfEntry) {
  return { source: e.file, line: e.line, text: e.text };
}

/** Persisted settings of the host: the line that wins for each key, by value and by file. */
export function diffPersistedSysctls(before: PersistedSysctl, after: PersistedSysctl, changes: ChangeList): void {
  if (before.status !== 'ok' && before.status !== 'empty') return;
  if (after.status !== 'ok' && after.status !== 'empty') return;
  compareKeyed(before.effective, after.effective, {
    removed: (key, e) => changes.add('sysctl.persisted', 'host', key, persistedValue(e), null, { before: persistedEvidence(e) }),
    added: (key, e) => changes.add('sysctl.persisted', 'host', key, null, persistedValue(e), { after: persistedEvidence(e) }),
    both: (key, { before: b, after: a }) => {
      const [was, is] = [persistedValue(b), persistedValue(a)];
      if (was === is) return;
      changes.add('sysctl.persisted', 'host', key, was, is, { before: persistedEvidence(b), after: persistedEvidence(a) });
    },
  });
}
