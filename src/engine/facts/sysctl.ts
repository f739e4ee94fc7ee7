/**
 * Subject kind `sysctl`: every running key that a persisted file (/etc/sysctl.conf, /etc/sysctl.d/*.conf)
 * assigns, globs expanded to the running keys they match (host namespace). Keys nobody persisted are not
 * subjects: site rules about any key use the host facts sysctlValue / sysctlNumber instead.
 */
import type { Evidence, Namespace } from '../../model/types.js';
import { expandPersisted, sameSysctlValue, type PersistedAssignment } from './lib/sysctl-glob.js';
import { defineFacts, defineSubjects, EVIDENCE_TYPE, type FactEnv, type FactModule } from './registry.js';

export interface SysctlSubject {
  key: string;
  assignment: PersistedAssignment;
}

function assignments(env: FactEnv, ns: Namespace): Map<string, PersistedAssignment> {
  return env.cache.perNamespace(ns, 'sysctl:persisted', () => expandPersisted(env.host.persistedSysctl.entries, ns.sysctl.entries.keys()));
}

const subjects = defineSubjects<SysctlSubject>({
  kind: 'sysctl',
  description: 'Every running sysctl key a persisted file assigns (globs expanded), named by the key as sysctl -a prints it',
  namespaces: 'host',
  enumerate: (env) => [...assignments(env, env.namespace).values()].map((a) => ({ name: a.key, value: { key: a.key, assignment: a } })),
});

function running(env: FactEnv, s: SysctlSubject) {
  return env.namespace.sysctl.entries.get(s.key);
}

/** sysctl -a run without root omits keys it may not read: their absence proves nothing. */
function collectedAsRoot(env: FactEnv): boolean {
  const uid = env.host.meta.user?.uid;
  return uid === undefined || uid === 0;
}

function persistedEvidence(s: SysctlSubject): Evidence {
  const e = s.assignment.entry;
  return { source: e.file, line: e.line, text: e.text };
}

function where(s: SysctlSubject): string {
  const e = s.assignment.entry;
  return `${e.file}:${e.line}${s.assignment.glob ? ` (glob ${s.assignment.glob})` : ''}`;
}

const facts = defineFacts<SysctlSubject>('sysctl', [
  { name: 'key', type: 'string', description: 'The running key, as sysctl -a prints it', example: 'net.ipv4.ip_forward', compute: (s) => s.key },
  { name: 'persistedValue', type: 'string', description: 'The value the winning persisted assignment writes', example: '1', compute: (s) => s.assignment.entry.value },
  { name: 'persistedFile', type: 'string', description: 'The file of the winning assignment', example: '/etc/sysctl.d/99-kubernetes.conf', compute: (s) => s.assignment.entry.file },
  { name: 'persistedGlob', type: 'string | undefined', description: 'The glob pattern the assignment came from, when it did', example: 'net.ipv4.conf.*.rp_filter', compute: (s) => s.assignment.glob },
  {
    name: 'ignoreErrors',
    type: 'boolean',
    description: 'The assignment starts with "-": systemd-sysctl ignores a failure to set it (e.g. the key does not exist)',
    example: false,
    compute: (s) => s.assignment.entry.ignoreErrors,
  },
  { name: 'runningValue', type: 'string | undefined', description: 'The running value from sysctl -a; undefined when the kernel has no such key', example: '0', compute: (s, env) => running(env, s)?.value },
  { name: 'runningPresent', type: 'boolean', description: 'sysctl -a printed the key', example: true, compute: (s, env) => running(env, s) !== undefined },
  {
    name: 'valuesDiffer',
    type: 'boolean',
    description: 'The running value differs from the persisted one (whitespace runs collapsed, numbers compared as numbers)',
    example: true,
    compute: (s, env) => {
      const r = running(env, s);
      return r !== undefined && !sameSysctlValue(s.assignment.entry.value, r.value);
    },
  },
  {
    name: 'absentUnexpectedly',
    type: 'boolean',
    description:
      'The persisted key is not in the running kernel although the assignment does not tolerate that ("-" prefix) and sysctl -a ran as root: the module providing it (br_netfilter, nf_conntrack, ...) was not loaded when the settings were applied',
    example: false,
    compute: (s, env) => running(env, s) === undefined && !s.assignment.entry.ignoreErrors && collectedAsRoot(env),
  },
  {
    name: 'driftDescription',
    type: 'string',
    description: 'The drift in one sentence',
    example: 'persisted 1 in /etc/sysctl.d/99-docker.conf:1, running 0',
    compute: (s, env) => {
      const r = running(env, s);
      return r === undefined
        ? `persisted ${s.assignment.entry.value} in ${where(s)}, but the running kernel has no such key`
        : `persisted ${s.assignment.entry.value} in ${where(s)}, running ${r.value.replace(/\s+/g, ' ')}`;
    },
  },
  { name: 'persistedEvidence', type: EVIDENCE_TYPE, description: 'The persisted assignment line', compute: (s) => [persistedEvidence(s)] },
  {
    name: 'runningEvidence',
    type: EVIDENCE_TYPE,
    description: 'The sysctl -a line of the key (empty when absent)',
    compute: (s, env) => {
      const r = running(env, s);
      return r ? [r.evidence] : [];
    },
  },
]);

export const sysctlModule: FactModule<SysctlSubject> = { subjects, facts };
