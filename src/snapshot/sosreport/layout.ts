/**
 * What makes a tree a sosreport, and which of its files netaudit reads. sos 3.x and 4.x both write
 * `sos_commands/<plugin>/<command>` and `sos_logs/`; 4.x adds `sos_reports/manifest.json`.
 */

export const SOS_COMMANDS = 'sos_commands';
export const SOS_LOG = 'sos_logs/sos.log';
export const SOS_MANIFEST = 'sos_reports/manifest.json';

/** The plugins whose command outputs hold network state (`bridge` is sos 3.x's brctl plugin). */
export const NETWORK_PLUGINS = ['networking', 'firewall_tables', 'kernel', 'bridge', 'host'] as const;

/** A sosreport's top directory holds sos_commands/ and sos_logs/ or sos_reports/. */
export function isSosreportTop(names: readonly string[]): boolean {
  return names.includes(SOS_COMMANDS) && (names.includes('sos_logs') || names.includes('sos_reports'));
}

const SYSCTL_FILES = /^(etc\/sysctl\.conf|(etc|run|usr\/local\/lib|usr\/lib|lib)\/sysctl\.d\/[^/]+)$/;
const PLUGIN_FILES = new RegExp(`^${SOS_COMMANDS}/(${NETWORK_PLUGINS.join('|')})/`);

/** A file of the report netaudit reads (kept when reading an archive; everything else streams past). */
export function wanted(path: string): boolean {
  return (
    PLUGIN_FILES.test(path) ||
    SYSCTL_FILES.test(path) ||
    path.startsWith('proc/sys/') ||
    path === SOS_LOG ||
    path === SOS_MANIFEST ||
    path === 'version.txt' ||
    path === 'hostname' ||
    path === 'uname'
  );
}
