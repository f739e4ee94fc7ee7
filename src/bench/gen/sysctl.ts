/**
 * `sysctl -a` of the node: a few thousand global keys and, for every interface, the net.ipv4/ipv6 conf and
 * neigh keys a 5.15 kernel has. Keys come out in /proc/sys order (sorted per directory level); a dot inside
 * an interface name is printed as "/" (flannel.1 → net.ipv4.conf.flannel/1.forwarding). Multi-value keys
 * are TAB-separated, as the kernel prints them.
 */
import type { Cluster } from './cluster.js';
import { Random } from './random.js';

type Value = string | number;

const IPV4_CONF: readonly [string, Value][] = [
  ['accept_local', 0], ['accept_redirects', 1], ['accept_source_route', 0], ['arp_accept', 0], ['arp_announce', 0],
  ['arp_evict_nocarrier', 1], ['arp_filter', 0], ['arp_ignore', 0], ['arp_notify', 0], ['bc_forwarding', 0],
  ['bootp_relay', 0], ['disable_policy', 0], ['disable_xfrm', 0], ['drop_gratuitous_arp', 0],
  ['drop_unicast_in_l2_multicast', 0], ['forwarding', 1], ['igmpv2_unsolicited_report_interval', 10000],
  ['igmpv3_unsolicited_report_interval', 1000], ['ignore_routes_with_linkdown', 0], ['log_martians', 0],
  ['mc_forwarding', 0], ['medium_id', 0], ['promote_secondaries', 1], ['proxy_arp', 0], ['proxy_arp_pvlan', 0],
  ['route_localnet', 0], ['rp_filter', 2], ['secure_redirects', 1], ['send_redirects', 1], ['shared_media', 1],
  ['src_valid_mark', 0], ['tag', 0],
];

const IPV6_CONF: readonly [string, Value][] = [
  ['accept_dad', 1], ['accept_ra', 0], ['accept_ra_defrtr', 1], ['accept_ra_from_local', 0], ['accept_ra_min_hop_limit', 1],
  ['accept_ra_mtu', 1], ['accept_ra_pinfo', 1], ['accept_ra_rt_info_max_plen', 0], ['accept_ra_rt_info_min_plen', 0],
  ['accept_ra_rtr_pref', 1], ['accept_redirects', 1], ['accept_source_route', 0], ['accept_untracked_na', 0],
  ['addr_gen_mode', 0], ['autoconf', 1], ['dad_transmits', 1], ['disable_ipv6', 0], ['disable_policy', 0],
  ['drop_unicast_in_l2_multicast', 0], ['drop_unsolicited_na', 0], ['enhanced_dad', 1], ['force_mld_version', 0],
  ['force_tllao', 0], ['forwarding', 0], ['hop_limit', 64], ['ignore_routes_with_linkdown', 0], ['ioam6_enabled', 0],
  ['ioam6_id', 65535], ['ioam6_id_wide', 4294967295], ['keep_addr_on_down', 0], ['max_addresses', 16],
  ['max_desync_factor', 600], ['mc_forwarding', 0], ['mldv1_unsolicited_report_interval', 10000],
  ['mldv2_unsolicited_report_interval', 1000], ['mtu', 1500], ['ndisc_evict_nocarrier', 1], ['ndisc_notify', 0],
  ['ndisc_tclass', 0], ['proxy_ndp', 0], ['ra_defrtr_metric', 1024], ['regen_max_retry', 3],
  ['router_probe_interval', 60], ['router_solicitation_delay', 1], ['router_solicitation_interval', 4],
  ['router_solicitation_max_interval', 3600], ['router_solicitations', -1], ['rpl_seg_enabled', 0], ['seg6_enabled', 0],
  ['seg6_require_hmac', 0], ['suppress_frag_ndisc', 1], ['temp_prefered_lft', 86400], ['temp_valid_lft', 604800],
  ['use_oif_addrs_only', 0], ['use_tempaddr', 0],
];

const NEIGH: readonly [string, Value][] = [
  ['anycast_delay', 100], ['app_solicit', 0], ['base_reachable_time_ms', 30000], ['delay_first_probe_time', 5],
  ['gc_stale_time', 60], ['interval_probe_time_ms', 5000], ['locktime', 100], ['mcast_resolicit', 0], ['mcast_solicit', 3],
  ['proxy_delay', 80], ['proxy_qlen', 64], ['retrans_time_ms', 1000], ['ucast_solicit', 3], ['unres_qlen', 101],
  ['unres_qlen_bytes', 212992],
];

/** Global keys of a 5.15 node with br_netfilter and nf_conntrack loaded (values as Kubernetes nodes set them). */
const GLOBALS: readonly [string, Value][] = [
  ['abi.vsyscall32', 1], ['debug.exception-trace', 1], ['debug.kprobes-optimization', 1], ['dev.hpet.max-user-freq', 64],
  ['dev.raid.speed_limit_max', 200000], ['dev.raid.speed_limit_min', 1000], ['dev.scsi.logging_level', 0],
  ['dev.tty.ldisc_autoload', 1], ['fs.aio-max-nr', 65536], ['fs.aio-nr', 0], ['fs.binfmt_misc.status', 'enabled'],
  ['fs.dentry-state', '112343\t88231\t45\t0\t41230\t0'], ['fs.dir-notify-enable', 1], ['fs.epoll.max_user_watches', 4979021],
  ['fs.fanotify.max_queued_events', 16384], ['fs.fanotify.max_user_groups', 128], ['fs.fanotify.max_user_marks', 155345],
  ['fs.file-max', '9223372036854775807'], ['fs.file-nr', '17664\t0\t9223372036854775807'], ['fs.inode-nr', '93433\t1402'],
  ['fs.inode-state', '93433\t1402\t0\t0\t0\t0\t0'], ['fs.inotify.max_queued_events', 16384],
  ['fs.inotify.max_user_instances', 8192], ['fs.inotify.max_user_watches', 524288], ['fs.lease-break-time', 45],
  ['fs.leases-enable', 1], ['fs.mount-max', 100000], ['fs.mqueue.msg_default', 10], ['fs.mqueue.msg_max', 10],
  ['fs.mqueue.msgsize_default', 8192], ['fs.mqueue.msgsize_max', 8192], ['fs.mqueue.queues_max', 256],
  ['fs.nr_open', 1048576], ['fs.overflowgid', 65534], ['fs.overflowuid', 65534], ['fs.pipe-max-size', 1048576],
  ['fs.pipe-user-pages-hard', 0], ['fs.pipe-user-pages-soft', 16384], ['fs.protected_fifos', 1],
  ['fs.protected_hardlinks', 1], ['fs.protected_regular', 2], ['fs.protected_symlinks', 1], ['fs.quota.allocated_dquots', 0],
  ['fs.quota.cache_hits', 0], ['fs.quota.drops', 0], ['fs.quota.free_dquots', 0], ['fs.quota.lookups', 0],
  ['fs.quota.reads', 0], ['fs.quota.syncs', 0], ['fs.quota.writes', 0], ['fs.suid_dumpable', 2],
  ['fs.verity.require_signatures', 0], ['kernel.acct', '4\t2\t30'], ['kernel.acpi_video_flags', 0],
  ['kernel.apparmor_display_secid_mode', 0], ['kernel.auto_msgmni', 0], ['kernel.bootloader_type', 114],
  ['kernel.bootloader_version', 2], ['kernel.bpf_stats_enabled', 0], ['kernel.cad_pid', 1], ['kernel.cap_last_cap', 40],
  ['kernel.core_pattern', '|/usr/share/apport/apport -p%p -s%s -c%c -d%d -P%P -u%u -g%g -- %E'], ['kernel.core_pipe_limit', 10],
  ['kernel.core_uses_pid', 0], ['kernel.ctrl-alt-del', 0], ['kernel.dmesg_restrict', 1], ['kernel.domainname', '(none)'],
  ['kernel.ftrace_dump_on_oops', 0], ['kernel.hardlockup_all_cpu_backtrace', 0], ['kernel.hardlockup_panic', 0],
  ['kernel.hostname', 'HOSTNAME'], ['kernel.hung_task_all_cpu_backtrace', 0], ['kernel.hung_task_check_count', 4194304],
  ['kernel.hung_task_check_interval_secs', 0], ['kernel.hung_task_panic', 0], ['kernel.hung_task_timeout_secs', 120],
  ['kernel.hung_task_warnings', 10], ['kernel.io_delay_type', 1], ['kernel.kexec_load_disabled', 0],
  ['kernel.keys.gc_delay', 300], ['kernel.keys.maxbytes', 20000], ['kernel.keys.maxkeys', 200],
  ['kernel.keys.persistent_keyring_expiry', 259200], ['kernel.keys.root_maxbytes', 25000000],
  ['kernel.keys.root_maxkeys', 1000000], ['kernel.kptr_restrict', 1], ['kernel.max_lock_depth', 1024],
  ['kernel.modprobe', '/sbin/modprobe'], ['kernel.modules_disabled', 0], ['kernel.msg_next_id', -1], ['kernel.msgmax', 8192],
  ['kernel.msgmnb', 16384], ['kernel.msgmni', 32000], ['kernel.ngroups_max', 65536], ['kernel.nmi_watchdog', 0],
  ['kernel.ns_last_pid', 841233], ['kernel.numa_balancing', 0], ['kernel.oops_all_cpu_backtrace', 0],
  ['kernel.osrelease', '5.15.0-91-generic'], ['kernel.ostype', 'Linux'], ['kernel.overflowgid', 65534],
  ['kernel.overflowuid', 65534], ['kernel.panic', 10], ['kernel.panic_on_io_nmi', 0], ['kernel.panic_on_oops', 1],
  ['kernel.panic_on_rcu_stall', 0], ['kernel.panic_on_unrecovered_nmi', 0], ['kernel.panic_on_warn', 0],
  ['kernel.panic_print', 0], ['kernel.perf_cpu_time_max_percent', 25], ['kernel.perf_event_max_contexts_per_stack', 8],
  ['kernel.perf_event_max_sample_rate', 100000], ['kernel.perf_event_max_stack', 127], ['kernel.perf_event_mlock_kb', 516],
  ['kernel.perf_event_paranoid', 4], ['kernel.pid_max', 4194304], ['kernel.poweroff_cmd', '/sbin/poweroff'],
  ['kernel.print-fatal-signals', 0], ['kernel.printk', '4\t4\t1\t7'], ['kernel.printk_delay', 0],
  ['kernel.printk_devkmsg', 'on'], ['kernel.printk_ratelimit', 5], ['kernel.printk_ratelimit_burst', 10],
  ['kernel.pty.max', 4096], ['kernel.pty.nr', 2], ['kernel.pty.reserve', 1024], ['kernel.random.boot_id', 'BOOTID'],
  ['kernel.random.entropy_avail', 256], ['kernel.random.poolsize', 256], ['kernel.random.urandom_min_reseed_secs', 60],
  ['kernel.random.uuid', 'UUID'], ['kernel.random.write_wakeup_threshold', 256], ['kernel.randomize_va_space', 2],
  ['kernel.real-root-dev', 0], ['kernel.sched_autogroup_enabled', 1], ['kernel.sched_cfs_bandwidth_slice_us', 5000],
  ['kernel.sched_child_runs_first', 0], ['kernel.sched_deadline_period_max_us', 4194304],
  ['kernel.sched_deadline_period_min_us', 100], ['kernel.sched_energy_aware', 1], ['kernel.sched_rr_timeslice_ms', 100],
  ['kernel.sched_rt_period_us', 1000000], ['kernel.sched_rt_runtime_us', 950000], ['kernel.sched_schedstats', 0],
  ['kernel.sched_util_clamp_max', 1024], ['kernel.sched_util_clamp_min', 1024], ['kernel.seccomp.actions_avail',
    'kill_process kill_thread trap errno user_notif trace log allow'], ['kernel.seccomp.actions_logged',
    'kill_process kill_thread trap errno user_notif trace log'], ['kernel.sem', '32000\t1024000000\t500\t32000'],
  ['kernel.sem_next_id', -1], ['kernel.shm_next_id', -1], ['kernel.shm_rmid_forced', 0], ['kernel.shmall', '18446744073692774399'],
  ['kernel.shmmax', '18446744073692774399'], ['kernel.shmmni', 4096], ['kernel.soft_watchdog', 1],
  ['kernel.softlockup_all_cpu_backtrace', 0], ['kernel.softlockup_panic', 0], ['kernel.split_lock_mitigate', 1],
  ['kernel.stack_tracer_enabled', 0], ['kernel.sysctl_writes_strict', 1], ['kernel.sysrq', 176],
  ['kernel.tainted', 0], ['kernel.threads-max', 385493], ['kernel.timer_migration', 1], ['kernel.traceoff_on_warning', 0],
  ['kernel.tracepoint_printk', 0], ['kernel.unknown_nmi_panic', 0], ['kernel.unprivileged_bpf_disabled', 2],
  ['kernel.unprivileged_userns_apparmor_policy', 1], ['kernel.unprivileged_userns_clone', 1],
  ['kernel.usermodehelper.bset', '4294967295\t511'], ['kernel.usermodehelper.inheritable', '4294967295\t511'],
  ['kernel.version', '#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023'], ['kernel.watchdog', 1], ['kernel.watchdog_cpumask', '0-95'],
  ['kernel.watchdog_thresh', 10], ['kernel.yama.ptrace_scope', 1], ['net.bridge.bridge-nf-call-arptables', 1],
  ['net.bridge.bridge-nf-call-ip6tables', 1], ['net.bridge.bridge-nf-call-iptables', 1], ['net.bridge.bridge-nf-filter-pppoe-tagged', 0],
  ['net.bridge.bridge-nf-filter-vlan-tagged', 0], ['net.bridge.bridge-nf-pass-vlan-input-dev', 0],
  ['net.core.bpf_jit_enable', 1], ['net.core.bpf_jit_harden', 0], ['net.core.bpf_jit_kallsyms', 1], ['net.core.bpf_jit_limit', 528482304],
  ['net.core.busy_poll', 0], ['net.core.busy_read', 0], ['net.core.default_qdisc', 'fq_codel'], ['net.core.dev_weight', 64],
  ['net.core.dev_weight_rx_bias', 1], ['net.core.dev_weight_tx_bias', 1], ['net.core.devconf_inherit_init_net', 0],
  ['net.core.fb_tunnels_only_for_init_net', 0], ['net.core.flow_limit_cpu_bitmap', '000000,00000000'], ['net.core.flow_limit_table_len', 4096],
  ['net.core.gro_normal_batch', 8], ['net.core.high_order_alloc_disable', 0], ['net.core.max_skb_frags', 17],
  ['net.core.message_burst', 10], ['net.core.message_cost', 5], ['net.core.netdev_budget', 300],
  ['net.core.netdev_budget_usecs', 2000], ['net.core.netdev_max_backlog', 1000], ['net.core.netdev_rss_key',
    '5a:3c:11:8e:9b:41:77:02:ce:d0:63:98:1f:aa:2b:c4:0e:55:7d:91:e8:36:b2:4f:19:c7:60:0d:83:ea:2c:74:59:bd:06:f1:48:93:27:da:6e:15:a0:3b'],
  ['net.core.netdev_tstamp_prequeue', 1], ['net.core.netdev_unregister_timeout_secs', 10], ['net.core.optmem_max', 20480],
  ['net.core.rmem_default', 212992], ['net.core.rmem_max', 212992], ['net.core.rps_sock_flow_entries', 0],
  ['net.core.somaxconn', 4096], ['net.core.tstamp_allow_data', 1], ['net.core.warnings', 0], ['net.core.wmem_default', 212992],
  ['net.core.wmem_max', 212992], ['net.core.xfrm_acq_expires', 30], ['net.core.xfrm_aevent_etime', 10],
  ['net.core.xfrm_aevent_rseqth', 2], ['net.core.xfrm_larval_drop', 1], ['net.ipv4.cipso_cache_bucket_size', 10],
  ['net.ipv4.cipso_cache_enable', 1], ['net.ipv4.cipso_rbm_optfmt', 0], ['net.ipv4.cipso_rbm_strictvalid', 1],
  ['net.ipv4.fib_multipath_hash_fields', 7], ['net.ipv4.fib_multipath_hash_policy', 0], ['net.ipv4.fib_multipath_use_neigh', 0],
  ['net.ipv4.fib_notify_on_flag_change', 0], ['net.ipv4.fib_sync_mem', 524288], ['net.ipv4.fwmark_reflect', 0],
  ['net.ipv4.icmp_echo_enable_probe', 0], ['net.ipv4.icmp_echo_ignore_all', 0], ['net.ipv4.icmp_echo_ignore_broadcasts', 1],
  ['net.ipv4.icmp_errors_use_inbound_ifaddr', 0], ['net.ipv4.icmp_ignore_bogus_error_responses', 1],
  ['net.ipv4.icmp_msgs_burst', 50], ['net.ipv4.icmp_msgs_per_sec', 1000], ['net.ipv4.icmp_ratelimit', 1000],
  ['net.ipv4.icmp_ratemask', 6168], ['net.ipv4.igmp_link_local_mcast_reports', 1], ['net.ipv4.igmp_max_memberships', 20],
  ['net.ipv4.igmp_max_msf', 10], ['net.ipv4.igmp_qrv', 2], ['net.ipv4.inet_peer_maxttl', 600], ['net.ipv4.inet_peer_minttl', 120],
  ['net.ipv4.inet_peer_threshold', 65664], ['net.ipv4.ip_autobind_reuse', 0], ['net.ipv4.ip_default_ttl', 64],
  ['net.ipv4.ip_dynaddr', 0], ['net.ipv4.ip_early_demux', 1], ['net.ipv4.ip_forward', 1], ['net.ipv4.ip_forward_update_priority', 1],
  ['net.ipv4.ip_forward_use_pmtu', 0], ['net.ipv4.ip_local_port_range', '32768\t60999'], ['net.ipv4.ip_local_reserved_ports', ''],
  ['net.ipv4.ip_no_pmtu_disc', 0], ['net.ipv4.ip_nonlocal_bind', 0], ['net.ipv4.ip_unprivileged_port_start', 1024],
  ['net.ipv4.ipfrag_high_thresh', 4194304], ['net.ipv4.ipfrag_low_thresh', 3145728], ['net.ipv4.ipfrag_max_dist', 64],
  ['net.ipv4.ipfrag_secret_interval', 0], ['net.ipv4.ipfrag_time', 30], ['net.ipv4.ping_group_range', '0\t2147483647'],
  ['net.ipv4.raw_l3mdev_accept', 1], ['net.ipv4.route.error_burst', 1250], ['net.ipv4.route.error_cost', 250],
  ['net.ipv4.route.gc_elasticity', 8], ['net.ipv4.route.gc_interval', 60], ['net.ipv4.route.gc_min_interval', 0],
  ['net.ipv4.route.gc_min_interval_ms', 500], ['net.ipv4.route.gc_thresh', -1], ['net.ipv4.route.gc_timeout', 300],
  ['net.ipv4.route.max_size', 2147483647], ['net.ipv4.route.min_adv_mss', 256], ['net.ipv4.route.min_pmtu', 552],
  ['net.ipv4.route.mtu_expires', 600], ['net.ipv4.route.redirect_load', 5], ['net.ipv4.route.redirect_number', 9],
  ['net.ipv4.route.redirect_silence', 5120], ['net.ipv4.tcp_abort_on_overflow', 0], ['net.ipv4.tcp_adv_win_scale', 1],
  ['net.ipv4.tcp_allowed_congestion_control', 'reno cubic'], ['net.ipv4.tcp_app_win', 31], ['net.ipv4.tcp_autocorking', 1],
  ['net.ipv4.tcp_available_congestion_control', 'reno cubic'], ['net.ipv4.tcp_available_ulp', 'espintcp mptcp tls'],
  ['net.ipv4.tcp_base_mss', 1024], ['net.ipv4.tcp_challenge_ack_limit', 1000], ['net.ipv4.tcp_comp_sack_delay_ns', 1000000],
  ['net.ipv4.tcp_comp_sack_nr', 44], ['net.ipv4.tcp_comp_sack_slack_ns', 100000], ['net.ipv4.tcp_congestion_control', 'cubic'],
  ['net.ipv4.tcp_dsack', 1], ['net.ipv4.tcp_early_demux', 1], ['net.ipv4.tcp_early_retrans', 3], ['net.ipv4.tcp_ecn', 2],
  ['net.ipv4.tcp_ecn_fallback', 1], ['net.ipv4.tcp_fack', 0], ['net.ipv4.tcp_fastopen', 1],
  ['net.ipv4.tcp_fastopen_blackhole_timeout_sec', 0], ['net.ipv4.tcp_fin_timeout', 60], ['net.ipv4.tcp_frto', 2],
  ['net.ipv4.tcp_fwmark_accept', 0], ['net.ipv4.tcp_invalid_ratelimit', 500], ['net.ipv4.tcp_keepalive_intvl', 75],
  ['net.ipv4.tcp_keepalive_probes', 9], ['net.ipv4.tcp_keepalive_time', 7200], ['net.ipv4.tcp_l3mdev_accept', 0],
  ['net.ipv4.tcp_limit_output_bytes', 1048576], ['net.ipv4.tcp_low_latency', 0], ['net.ipv4.tcp_max_orphans', 131072],
  ['net.ipv4.tcp_max_reordering', 300], ['net.ipv4.tcp_max_syn_backlog', 2048], ['net.ipv4.tcp_max_tw_buckets', 131072],
  ['net.ipv4.tcp_mem', '382695\t510261\t765390'], ['net.ipv4.tcp_migrate_req', 0], ['net.ipv4.tcp_min_rtt_wlen', 300],
  ['net.ipv4.tcp_min_snd_mss', 48], ['net.ipv4.tcp_min_tso_segs', 2], ['net.ipv4.tcp_moderate_rcvbuf', 1],
  ['net.ipv4.tcp_mtu_probe_floor', 48], ['net.ipv4.tcp_mtu_probing', 0], ['net.ipv4.tcp_no_metrics_save', 0],
  ['net.ipv4.tcp_no_ssthresh_metrics_save', 1], ['net.ipv4.tcp_notsent_lowat', 4294967295], ['net.ipv4.tcp_orphan_retries', 0],
  ['net.ipv4.tcp_pacing_ca_ratio', 120], ['net.ipv4.tcp_pacing_ss_ratio', 200], ['net.ipv4.tcp_probe_interval', 600],
  ['net.ipv4.tcp_probe_threshold', 8], ['net.ipv4.tcp_recovery', 1], ['net.ipv4.tcp_reflect_tos', 0],
  ['net.ipv4.tcp_reordering', 3], ['net.ipv4.tcp_retrans_collapse', 1], ['net.ipv4.tcp_retries1', 3], ['net.ipv4.tcp_retries2', 15],
  ['net.ipv4.tcp_rfc1337', 0], ['net.ipv4.tcp_rmem', '4096\t131072\t6291456'], ['net.ipv4.tcp_rx_skb_cache', 0],
  ['net.ipv4.tcp_sack', 1], ['net.ipv4.tcp_slow_start_after_idle', 1], ['net.ipv4.tcp_stdurg', 0], ['net.ipv4.tcp_syn_retries', 6],
  ['net.ipv4.tcp_synack_retries', 5], ['net.ipv4.tcp_syncookies', 1], ['net.ipv4.tcp_thin_linear_timeouts', 0],
  ['net.ipv4.tcp_timestamps', 1], ['net.ipv4.tcp_tso_win_divisor', 3], ['net.ipv4.tcp_tw_reuse', 2], ['net.ipv4.tcp_tx_skb_cache', 0],
  ['net.ipv4.tcp_window_scaling', 1], ['net.ipv4.tcp_wmem', '4096\t16384\t4194304'], ['net.ipv4.tcp_workaround_signed_windows', 0],
  ['net.ipv4.udp_early_demux', 1], ['net.ipv4.udp_l3mdev_accept', 0], ['net.ipv4.udp_mem', '765393\t1020525\t1530786'],
  ['net.ipv4.udp_rmem_min', 4096], ['net.ipv4.udp_wmem_min', 4096], ['net.ipv4.xfrm4_gc_thresh', 32768],
  ['net.ipv6.anycast_src_echo_reply', 0], ['net.ipv6.auto_flowlabels', 1], ['net.ipv6.bindv6only', 0],
  ['net.ipv6.calipso_cache_bucket_size', 10], ['net.ipv6.calipso_cache_enable', 1], ['net.ipv6.fib_multipath_hash_fields', 7],
  ['net.ipv6.fib_multipath_hash_policy', 0], ['net.ipv6.fib_notify_on_flag_change', 0], ['net.ipv6.flowlabel_consistency', 1],
  ['net.ipv6.flowlabel_reflect', 0], ['net.ipv6.flowlabel_state_ranges', 0], ['net.ipv6.fwmark_reflect', 0],
  ['net.ipv6.icmp.echo_ignore_all', 0], ['net.ipv6.icmp.echo_ignore_anycast', 0], ['net.ipv6.icmp.echo_ignore_multicast', 0],
  ['net.ipv6.icmp.ratelimit', 1000], ['net.ipv6.icmp.ratemask', '0-1,3-127'], ['net.ipv6.idgen_delay', 1], ['net.ipv6.idgen_retries', 3],
  ['net.ipv6.ioam6_id', 16777215], ['net.ipv6.ioam6_id_wide', '72057594037927935'], ['net.ipv6.ip6frag_high_thresh', 4194304],
  ['net.ipv6.ip6frag_low_thresh', 3145728], ['net.ipv6.ip6frag_secret_interval', 0], ['net.ipv6.ip6frag_time', 60],
  ['net.ipv6.ip_nonlocal_bind', 0], ['net.ipv6.max_dst_opts_length', 2147483647], ['net.ipv6.max_dst_opts_number', 8],
  ['net.ipv6.max_hbh_length', 2147483647], ['net.ipv6.max_hbh_opts_number', 8], ['net.ipv6.mld_max_msf', 64], ['net.ipv6.mld_qrv', 2],
  ['net.ipv6.route.gc_elasticity', 9], ['net.ipv6.route.gc_interval', 30], ['net.ipv6.route.gc_min_interval', 0],
  ['net.ipv6.route.gc_min_interval_ms', 500], ['net.ipv6.route.gc_thresh', 1024], ['net.ipv6.route.gc_timeout', 60],
  ['net.ipv6.route.max_size', 2147483647], ['net.ipv6.route.min_adv_mss', 1220], ['net.ipv6.route.mtu_expires', 600],
  ['net.ipv6.route.skip_notify_on_dev_down', 0], ['net.ipv6.seg6_flowlabel', 0], ['net.ipv6.xfrm6_gc_thresh', 32768],
  ['net.netfilter.nf_conntrack_acct', 0], ['net.netfilter.nf_conntrack_buckets', 262144], ['net.netfilter.nf_conntrack_checksum', 1],
  ['net.netfilter.nf_conntrack_count', 4211], ['net.netfilter.nf_conntrack_dccp_loose', 1],
  ['net.netfilter.nf_conntrack_events', 1], ['net.netfilter.nf_conntrack_expect_max', 4096],
  ['net.netfilter.nf_conntrack_frag6_high_thresh', 4194304], ['net.netfilter.nf_conntrack_frag6_low_thresh', 3145728],
  ['net.netfilter.nf_conntrack_frag6_timeout', 60], ['net.netfilter.nf_conntrack_generic_timeout', 600],
  ['net.netfilter.nf_conntrack_gre_timeout', 30], ['net.netfilter.nf_conntrack_gre_timeout_stream', 180],
  ['net.netfilter.nf_conntrack_helper', 0], ['net.netfilter.nf_conntrack_icmp_timeout', 30],
  ['net.netfilter.nf_conntrack_icmpv6_timeout', 30], ['net.netfilter.nf_conntrack_log_invalid', 0],
  ['net.netfilter.nf_conntrack_max', 1048576], ['net.netfilter.nf_conntrack_tcp_be_liberal', 0],
  ['net.netfilter.nf_conntrack_tcp_ignore_invalid_rst', 0], ['net.netfilter.nf_conntrack_tcp_loose', 1],
  ['net.netfilter.nf_conntrack_tcp_max_retrans', 3], ['net.netfilter.nf_conntrack_tcp_timeout_close', 10],
  ['net.netfilter.nf_conntrack_tcp_timeout_close_wait', 3600], ['net.netfilter.nf_conntrack_tcp_timeout_established', 86400],
  ['net.netfilter.nf_conntrack_tcp_timeout_fin_wait', 120], ['net.netfilter.nf_conntrack_tcp_timeout_last_ack', 30],
  ['net.netfilter.nf_conntrack_tcp_timeout_max_retrans', 300], ['net.netfilter.nf_conntrack_tcp_timeout_syn_recv', 60],
  ['net.netfilter.nf_conntrack_tcp_timeout_syn_sent', 120], ['net.netfilter.nf_conntrack_tcp_timeout_time_wait', 120],
  ['net.netfilter.nf_conntrack_tcp_timeout_unacknowledged', 300], ['net.netfilter.nf_conntrack_timestamp', 0],
  ['net.netfilter.nf_conntrack_udp_timeout', 30], ['net.netfilter.nf_conntrack_udp_timeout_stream', 120],
  ['net.netfilter.nf_hooks_lwtunnel', 0], ['net.netfilter.nf_log_all_netns', 0], ['net.nf_conntrack_max', 1048576],
  ['net.unix.max_dgram_qlen', 512], ['user.max_cgroup_namespaces', 192746], ['user.max_fanotify_groups', 128],
  ['user.max_fanotify_marks', 155345], ['user.max_inotify_instances', 8192], ['user.max_inotify_watches', 524288],
  ['user.max_ipc_namespaces', 192746], ['user.max_mnt_namespaces', 192746], ['user.max_net_namespaces', 192746],
  ['user.max_pid_namespaces', 192746], ['user.max_time_namespaces', 192746], ['user.max_user_namespaces', 192746],
  ['user.max_uts_namespaces', 192746], ['vm.admin_reserve_kbytes', 8192], ['vm.compact_unevictable_allowed', 1],
  ['vm.compaction_proactiveness', 20], ['vm.dirty_background_bytes', 0], ['vm.dirty_background_ratio', 10], ['vm.dirty_bytes', 0],
  ['vm.dirty_expire_centisecs', 3000], ['vm.dirty_ratio', 20], ['vm.dirty_writeback_centisecs', 500], ['vm.dirtytime_expire_seconds', 43200],
  ['vm.extfrag_threshold', 500], ['vm.hugetlb_shm_group', 0], ['vm.laptop_mode', 0], ['vm.legacy_va_layout', 0],
  ['vm.lowmem_reserve_ratio', '256\t256\t32\t0\t0'], ['vm.max_map_count', 262144], ['vm.memory_failure_early_kill', 0],
  ['vm.memory_failure_recovery', 1], ['vm.min_free_kbytes', 90112], ['vm.min_slab_ratio', 5], ['vm.min_unmapped_ratio', 1],
  ['vm.mmap_min_addr', 65536], ['vm.mmap_rnd_bits', 28], ['vm.mmap_rnd_compat_bits', 8], ['vm.nr_hugepages', 0],
  ['vm.nr_hugepages_mempolicy', 0], ['vm.nr_overcommit_hugepages', 0], ['vm.numa_stat', 1], ['vm.numa_zonelist_order', 'Node'],
  ['vm.oom_dump_tasks', 1], ['vm.oom_kill_allocating_task', 0], ['vm.overcommit_kbytes', 0], ['vm.overcommit_memory', 1],
  ['vm.overcommit_ratio', 50], ['vm.page-cluster', 3], ['vm.page_lock_unfairness', 5], ['vm.panic_on_oom', 0],
  ['vm.percpu_pagelist_high_fraction', 0], ['vm.stat_interval', 1], ['vm.swappiness', 60], ['vm.unprivileged_userfaultfd', 0],
  ['vm.user_reserve_kbytes', 131072], ['vm.vfs_cache_pressure', 100], ['vm.watermark_boost_factor', 15000],
  ['vm.watermark_scale_factor', 10], ['vm.zone_reclaim_mode', 0],
];

const SCHED_DOMAIN_KEYS: readonly [string, Value][] = [
  ['busy_factor', 16], ['cache_nice_tries', 1], ['flags', 4655], ['imbalance_pct', 117], ['max_interval', 4],
  ['max_newidle_lb_cost', 0], ['min_interval', 2], ['name', 'SMT'],
];
const CPUS = 96;
const SCHED_DOMAIN_NAMES = ['SMT', 'MC', 'NUMA'];

/** Global per-CPU scheduler keys: how a real many-core host's sysctl -a reaches thousands of lines. */
function schedDomains(rnd: Random): [string, Value][] {
  const out: [string, Value][] = [];
  for (let cpu = 0; cpu < CPUS; cpu++) {
    SCHED_DOMAIN_NAMES.forEach((domainName, d) => {
      for (const [leaf, value] of SCHED_DOMAIN_KEYS) {
        const v = leaf === 'name' ? domainName : leaf === 'max_newidle_lb_cost' ? rnd.int(200, 90000) : value;
        out.push([`kernel.sched_domain.cpu${cpu}.domain${d}.${leaf}`, v]);
      }
    });
  }
  return out;
}

/** Compare keys the way /proc/sys lists them: level by level, each level by name. */
function compareKeys(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

export interface SysctlCounts {
  lines: number;
  interfaces: number;
  perInterface: number;
}

export function renderSysctl(cluster: Cluster, interfaces: readonly string[]): { text: string; counts: SysctlCounts } {
  const rnd = new Random(cluster.spec.seed ^ 0x5c7);
  const entries: [string, Value][] = [];
  for (const [key, value] of GLOBALS) {
    if (value === 'HOSTNAME') entries.push([key, cluster.hostname]);
    else if (value === 'UUID' || value === 'BOOTID') entries.push([key, `${rnd.hex(8)}-${rnd.hex(4)}-${rnd.hex(4)}-${rnd.hex(4)}-${rnd.hex(12)}`]);
    else entries.push([key, value]);
  }
  entries.push(...schedDomains(rnd));
  const perInterface = IPV4_CONF.length + IPV6_CONF.length + 2 * NEIGH.length;
  for (const name of ['all', 'default', ...interfaces]) {
    const dir = name.replaceAll('.', '/');
    const isDevice = name !== 'all' && name !== 'default';
    for (const [leaf, value] of IPV4_CONF) {
      let v = value;
      // kube-proxy sets route_localnet on all; lo is never filtered by rp_filter in practice.
      if (leaf === 'route_localnet' && name === 'all') v = 1;
      if (leaf === 'rp_filter' && name === 'lo') v = 0;
      entries.push([`net.ipv4.conf.${dir}.${leaf}`, v]);
    }
    for (const [leaf, value] of IPV6_CONF) {
      let v = value;
      if (leaf === 'mtu') v = name === 'lo' ? 65536 : name === 'eth0' || !isDevice ? 1500 : 1450;
      if (leaf === 'accept_ra' && name === 'eth0') v = 1;
      entries.push([`net.ipv6.conf.${dir}.${leaf}`, v]);
    }
    if (name === 'all') continue;
    for (const family of ['ipv4', 'ipv6']) {
      for (const [leaf, value] of NEIGH) entries.push([`net.${family}.neigh.${dir}.${leaf}`, value]);
    }
  }
  entries.sort((a, b) => compareKeys(a[0], b[0]));
  const text = `${entries.map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
  return { text, counts: { lines: entries.length, interfaces: interfaces.length, perInterface } };
}
