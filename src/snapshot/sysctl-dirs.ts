/**
 * Where persisted sysctl settings live, as systemd-sysctl reads them (sysctl.d(5)): the *.conf files of
 * these directories, earliest first. A file name in an earlier directory masks the same name in a later
 * one (a symlink to /dev/null masks it with nothing); the files that remain apply in file-name order
 * across directories, and /etc/sysctl.conf (procps' `sysctl --system`) last.
 */
export const SYSCTL_D_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'] as const;

/** Read only where /lib is not /usr/lib under another name (merged-/usr systems link it). */
export const SPLIT_USR_SYSCTL_D = '/lib/sysctl.d';

export const MAIN_SYSCTL_CONF = '/etc/sysctl.conf';
