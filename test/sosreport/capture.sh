#!/bin/sh
# Regenerates fixtures/sosreport/: for each scenario of the lab (lab.sh), a native snapshot
# (`netaudit collect`) and a real sosreport (`sos report -o networking,kernel`) of the same host, taken
# inside its network namespace, then trimmed to what netaudit reads (the networking, firewall and sysctl
# outputs, manifest.json, the sos.log lines about skipped commands) and stripped of this machine's paths.
# Needs root, iproute2, iptables, busybox, python3, sos (Debian: apt install sosreport) and a build (npm run build).
#   sudo sh test/sosreport/capture.sh
set -eu
. "$(dirname "$0")/lab.sh"
root=$(cd "$lab_dir/../.." && pwd)
out="$root/fixtures/sosreport"
work=$(mktemp -d)
trap 'lab_down; rm -rf "$work"' EXIT
mkdir -p "$out"

# As if on a host named nasos-lab: a UTS namespace of its own, inside the lab's host namespace.
on_host() { ip netns exec "$LAB_HOST" unshare --uts sh -c "hostname nasos-lab; $1"; }

# sos report into $work/$1; $2: extra options
sos_run() {
  mkdir -p "$work/$1"
  on_host "sos report --batch --build --quiet --tmp-dir '$work/$1' -o networking,kernel -k networking.namespace_pattern='$LAB_C1*' --label lab $2" >/dev/null
  ls -d "$work/$1"/sosreport-*
}

# The networking and firewall outputs netaudit reads; everything else sos wrote is dropped.
KEEP='^(ip_.*|bridge_-s_-s_-d_link_show|bridge_link_show|iptables.*|ip6tables.*|nft_.*|brctl_show|ss_-peaonmi|netstat_-W_-neopa)$'
SKIP='^(ip_netns_exec_.*_(ethtool|netstat_-s|netstat_-W_-agn|nstat)_.*|ip_maddr_show|ip_mroute_show|ip_neigh_show_nud_noarp|ip_-s_macsec_show|ip_-d_route_show_cache|ip_-d_-6_route_show_cache|ip_vrf_show)$'

trim() {
  src=$1 dst=$2
  rm -rf "$dst"; mkdir -p "$dst/sos_commands/kernel" "$dst/sos_logs" "$dst/sos_reports" "$dst/etc"
  for dir in "$src"/sos_commands/networking "$src"/sos_commands/firewall_tables; do
    [ -d "$dir" ] || continue
    rel=${dir#"$src"/}
    find "$dir" -type f | while read -r f; do
      name=$(basename "$f")
      if echo "$name" | grep -Eq "$KEEP" && ! echo "$name" | grep -Eq "$SKIP"; then
        mkdir -p "$dst/$(dirname "${f#"$src"/}")"; cp "$f" "$dst/${f#"$src"/}"
      fi
    done
  done
  # net.* only: the rest of sysctl -a describes this machine, not the lab host
  [ -f "$src/sos_commands/kernel/sysctl_-a" ] && grep '^net\.' "$src/sos_commands/kernel/sysctl_-a" > "$dst/sos_commands/kernel/sysctl_-a"
  cp "$src/sos_commands/kernel/uname_-a" "$dst/sos_commands/kernel/"
  cp -P "$src/uname" "$src/ip_addr" "$dst/"
  cp -P "$src/etc/sysctl.conf" "$dst/etc/" 2>/dev/null || true
  [ -d "$src/etc/sysctl.d" ] && cp -RP "$src/etc/sysctl.d" "$dst/etc/"
  grep -E "skipped command|executing 'sos report" "$src/sos_logs/sos.log" | sed "s#$work/[^ ']*#TMPDIR#g" > "$dst/sos_logs/sos.log" || true
  python3 - "$src/sos_reports/manifest.json" "$dst/sos_reports/manifest.json" "$dst" "$work" <<'PY'
import json, os, re, sys
src, dst, tree, work = sys.argv[1:5]
m = json.load(open(src))
m['cmdline'] = re.sub(re.escape(work) + r"\S*", 'TMPDIR', m['cmdline'])
report = m['components']['report']
report.pop('devices', None)
keep = re.compile(r"^(ip |ip6tables|iptables|nft |bridge -s -s -d link|sysctl -a|uname|ss -peaonmi|netstat -W -neopa)")
for plugin in report['plugins'].values():
    plugin['files'] = []
    plugin['commands'] = [c for c in plugin['commands'] if (c['filepath'] and os.path.exists(os.path.join(tree, c['filepath']))) or (not c['filepath'] and keep.match(re.sub(r'^ip netns exec \S+ ', '', c['exec'])))]
json.dump(m, open(dst, 'w'), indent=1)
PY
}

lab_up
for scenario in healthy forward-drop; do
  lab_rules "$scenario"
  on_host "node '$root/dist/cli/main.js' collect --netns '$LAB_C1' -o '$work/native.json'"
  gzip -9n < "$work/native.json" > "$out/$scenario.native.json.gz"
  trim "$(sos_run "$scenario" --allow-system-changes)" "$out/$scenario"
  lab_up
done
# Without --allow-system-changes, sos skips every netfilter command whose kernel module it cannot see
# loaded, and says so in sos.log: netaudit reports those sources as not collected, with sos's reason.
lab_rules forward-drop
trim "$(sos_run kmods-skipped '')" "$out/kmods-skipped"
echo "fixtures written to $out"
