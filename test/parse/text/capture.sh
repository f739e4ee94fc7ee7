#!/bin/sh
# Regenerates test/parse/fixtures/text/: builds a lab in its own network namespaces (natext-a, natext-b),
# captures the text and the JSON form of the same state, and deletes the namespaces again.
# Needs root, iproute2 and iptables (nf_tables or legacy). Never touches the root namespace.
#   sudo sh test/parse/text/capture.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../fixtures/text"
mkdir -p "$out"
A=natext-a
B=natext-b

cleanup() { ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add "$A"
ip netns add "$B"
a() { ip -n "$A" "$@"; }
ax() { ip netns exec "$A" "$@"; }

a link set lo up
# A bridge (this kernel lacks VLAN filtering), two veth ports, one of them with its peer in the other namespace.
a link add br0 type bridge stp_state 0 ageing_time 12000
a link add va0 type veth peer name va1 netns "$B"
a link add vb0 type veth peer name vb1
a link set va0 master br0
a link set vb0 master br0
a link set dev vb0 type bridge_slave cost 7 priority 40 hairpin on learning off
# A routed veth pair, a vxlan, a macvlan and a tap.
a link add up0 type veth peer name up1
a link add vx0 type vxlan id 42 dstport 4789 local 192.0.2.1 dev up0
a link add mv0 link up0 type macvlan mode bridge
ax ip tuntap add tap0 mode tap
a link set up0 alias "uplink to the lab"
for dev in br0 va0 vb0 vb1 up0 up1 vx0 mv0 tap0; do a link set "$dev" up; done
ip -n "$B" link set va1 up
ip -n "$B" addr add 10.20.0.2/24 dev va1

a addr add 10.20.0.1/24 dev br0
a addr add 2001:db8:20::1/64 dev br0 nodad
a addr add 192.0.2.1/24 brd + dev up0
a addr add 192.0.2.2/24 dev up0 label up0:sec
a addr add 198.51.100.1/32 peer 198.51.100.2/32 dev up1
a addr add 2001:db8:1::1/64 dev up0 nodad
a addr add 2001:db8:1::2/64 dev up0 nodad valid_lft 3600 preferred_lft 1800
a addr add 172.16.5.1/24 dev vx0
a addr add 10.30.0.1/24 dev tap0
a -6 addr add 2001:db8:30::1/64 dev mv0 nodad

# Routes of every type, in main, local and numbered tables.
a route add default via 192.0.2.254 dev up0 proto static metric 100
a route add 198.51.100.0/24 via 192.0.2.253 dev up0 onlink
a route add 10.50.0.0/16 nexthop via 192.0.2.10 dev up0 weight 1 nexthop via 192.0.2.11 dev up0 weight 3
a route add 10.60.0.0/16 dev up0 src 192.0.2.1 scope link metric 20
a route add 10.31.0.0/16 via 10.30.0.254 dev tap0
a route add blackhole 203.0.113.0/24
a route add unreachable 203.0.113.128/25 metric 5
a route add prohibit 10.99.0.0/16
a route add throw 10.98.0.0/16
a route add local 10.97.0.1 dev up0 table 100
a route add default via 192.0.2.252 dev up0 table 100
a route add broadcast 10.96.0.255 dev up0 table 100 proto kernel scope link src 192.0.2.1
a route add multicast 239.1.0.0/16 dev up0 table 100 proto boot
a -6 route add 2001:db8:5::/64 via 2001:db8:1::fe dev up0 metric 50 pref high
a -6 route add 2001:db8:6::/64 dev up0 expires 600
a -6 route add blackhole 2001:db8:dead::/48
a -6 route add unreachable 2001:db8:beef::/48
a -6 route add default via fe80::1 dev up0 table 200
a -6 route add anycast 2001:db8:7:: dev up0 table 200
a -6 route add 2001:db8:8::/64 nexthop via 2001:db8:1::fa dev up0 weight 1 nexthop via 2001:db8:1::fb dev up0 weight 2

# Policy routing rules, IPv4 and IPv6.
a rule add from 10.20.0.0/24 lookup 100 priority 100
a rule add not from 10.30.0.0/16 to 192.0.2.0/24 iif br0 lookup main priority 200
a rule add fwmark 0x4000/0xff00 lookup 100 priority 300
a rule add fwmark 0x7 table 100 priority 310
a rule add oif up0 blackhole priority 400
a rule add to 203.0.113.9 prohibit priority 410
a rule add from 198.51.100.7 unreachable priority 420
a rule add from all goto 32766 priority 430
a rule add ipproto tcp dport 80 lookup 100 priority 440
a rule add tos 0x10 lookup 100 priority 450
a rule add iif lo lookup local priority 460
a -6 rule add from 2001:db8:20::/64 lookup 200 priority 100
a -6 rule add to 2001:db8:dead::/48 blackhole priority 110
a -6 rule add not fwmark 0x1 lookup 200 priority 120

# Neighbours: permanent, stale, noarp, router, and a failed resolution.
a neigh add 192.0.2.50 lladdr 02:00:00:00:00:50 dev up0 nud permanent
a neigh add 192.0.2.51 lladdr 02:00:00:00:00:51 dev up0 nud stale
a neigh add 192.0.2.52 lladdr 02:00:00:00:00:52 dev up0 nud noarp
a neigh add 10.20.0.9 lladdr 02:00:00:00:00:09 dev br0 nud reachable
a -6 neigh add 2001:db8:1::99 lladdr 02:00:00:00:00:99 dev up0 router nud stale
a -6 neigh add 2001:db8:1::98 lladdr 02:00:00:00:00:98 dev up0 nud permanent
ax ping -c 1 -W 1 192.0.2.77 >/dev/null 2>&1 || true
ax ping -c 1 -W 1 10.20.0.2 >/dev/null 2>&1 || true

ax iptables-restore < "$here/lab-iptables.rules"
ax ip6tables-restore < "$here/lab-ip6tables.rules"
# Traffic, so that some counters are not zero.
ax ping -c 3 -i 0.2 -W 1 10.20.0.1 >/dev/null 2>&1 || true
ax ping -c 2 -i 0.2 -W 1 10.20.0.2 >/dev/null 2>&1 || true
ax ping -c 2 -i 0.2 -W 1 192.0.2.77 >/dev/null 2>&1 || true
sleep 4

cap() { name=$1; shift; ax "$@" > "$out/$name"; }
cap ip-addr.txt ip addr
cap ip-addr-d.txt ip -d address show
cap ip-addr-o.txt ip -o addr
cap ip-addr.json ip -j addr
cap ip-link.txt ip link
cap ip-link-d.txt ip -d link
cap ip-link-sd.txt ip -s -d link
cap ip-link-o.txt ip -o link
cap ip-link.json ip -j -d link
cap ip-route.txt ip route show table all
cap ip-route.json ip -j route show table all
cap ip6-route.txt ip -6 route show table all
cap ip6-route.json ip -j -6 route show table all
cap ip-rule.txt ip rule list
cap ip-rule.json ip -j rule show
cap ip6-rule.txt ip -6 rule
cap ip6-rule.json ip -j -6 rule show
cap ip-neigh.txt ip neigh
cap ip-neigh-ss.txt ip -s -s neigh show
cap ip-neigh.json ip -j neigh show
cap bridge-link.txt bridge link
cap bridge-link-ssd.txt bridge -s -s -d link show
cap bridge-link.json bridge -j link show
cap iptables-save.txt iptables-save -c
cap ip6tables-save.txt ip6tables-save -c
for t in filter nat mangle raw; do
  cap "iptables-L-$t.txt" iptables -t "$t" -vnxL
  cap "iptables-L-$t-abbrev.txt" iptables -t "$t" -vnL --line-numbers
  cap "iptables-L-$t-plain.txt" iptables -t "$t" -nL
  cap "ip6tables-L-$t.txt" ip6tables -t "$t" -vnxL
done
# Same state, coloured output (ip -c) and in another namespace for the namespace header test.
cap ip-addr-color.txt ip -c addr
ip -n "$B" addr > "$out/netns-b-ip-addr.txt"
ip -n "$B" -j addr > "$out/netns-b-ip-addr.json"
ip -n "$B" -d link > "$out/netns-b-ip-link-d.txt"
ip -n "$B" -j -d link > "$out/netns-b-ip-link.json"
echo "captured into $out"
