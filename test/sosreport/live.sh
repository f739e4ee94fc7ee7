#!/bin/sh
# One live capture of the sosreport lab (lab.sh), for live.e2e.test.ts: builds the lab host in the scenario
# given, runs the real `sos report` inside the host namespace and the real collector beside it, packs the
# sosreport directory as sos packs it (its top directory in a .tar.xz), and tears the lab down whatever
# happens. Namespaces are named after LAB_PREFIX (the test sets it after its process); sos writes only
# into OUT (--tmp-dir). Prints the timings of the steps on stderr.
#   LAB_PREFIX=nasos1234 sh test/sosreport/live.sh healthy|forward-drop OUT NETAUDIT_CLI [no-system-changes]
# OUT then holds sos/sosreport-*/ (the directory), sosreport.tar.xz and native.json. With no-system-changes,
# sos runs as it does by default: it skips the commands whose kernel modules it cannot see loaded.
set -eu
scenario=$1 out=$2 cli=$3 changes=--allow-system-changes
[ "${4:-}" = no-system-changes ] && changes=
. "$(dirname "$0")/lab.sh"
trap 'lab_down' EXIT
trap 'exit 130' INT TERM

# As if on a host named nasos-lab: a UTS namespace of its own, inside the lab's host namespace.
on_host() { ip netns exec "$LAB_HOST" unshare --uts sh -c "hostname nasos-lab; $1"; }
now() { date +%s%N; }
took() { echo "live.sh $scenario: $1 took $(( ($(now) - $2) / 1000000 )) ms" >&2; }

t=$(now); lab_up; lab_rules "$scenario"; took 'building the lab' "$t"
mkdir -p "$out/sos"
t=$(now)
on_host "sos report --batch --build --quiet --tmp-dir '$out/sos' -o networking,kernel -k networking.namespace_pattern='$LAB_C1*' --label lab $changes" >/dev/null
took 'sos report' "$t"
report=$(ls -d "$out"/sos/sosreport-*)
# as sos 4.x packs it: one top directory, a pax tar (Python's tarfile), `xz -2 -T<threads>`
t=$(now); tar -C "$out/sos" --format=pax -cf - "$(basename "$report")" | xz -2 -T2 > "$out/sosreport.tar.xz"; took 'tar.xz' "$t"
t=$(now); on_host "'$(command -v node)' '$cli' collect --netns '$LAB_C1' -o '$out/native.json'"; took 'netaudit collect' "$t"
