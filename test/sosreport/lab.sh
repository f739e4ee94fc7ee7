#!/bin/sh
# The sosreport lab, sourced by capture.sh and live.sh: a Docker-shaped host in network namespaces
# (nasos-host with an uplink veth to nasos-inet and a docker0 bridge to the container namespace
# nasos-c1, where busybox httpd listens on TCP 80 and python3 on UDP 53), documentation and private container
# addresses only. Never touches the root namespace.
# LAB_PREFIX (default nasos) names the namespaces: live.sh sets it after its process, as the other labs do.
#   lab_up; lab_rules healthy|forward-drop; ...; lab_down

LAB_HOST=${LAB_PREFIX:-nasos}-host
LAB_INET=${LAB_PREFIX:-nasos}-inet
LAB_C1=${LAB_PREFIX:-nasos}-c1
lab_dir=$(cd "$(dirname "$0")" && pwd)

lab_down() {
  if [ -n "${lab_server:-}" ]; then kill "$lab_server" 2>/dev/null || true; wait "$lab_server" 2>/dev/null || true; lab_server=; fi
  # whatever still runs in the lab's namespaces (a killed run's server), then the namespaces
  for ns in "$LAB_HOST" "$LAB_INET" "$LAB_C1"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}

lab_up() {
  lab_down
  for ns in "$LAB_HOST" "$LAB_INET" "$LAB_C1"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
  # nsids, so veth peers name the namespace they are in
  ip -n "$LAB_HOST" netns set "$LAB_C1" 1
  ip -n "$LAB_HOST" netns set "$LAB_INET" 2
  ip -n "$LAB_HOST" link add eth0 type veth peer name eth0 netns "$LAB_INET"
  ip -n "$LAB_HOST" addr add 203.0.113.2/24 dev eth0
  ip -n "$LAB_HOST" link set eth0 up
  ip -n "$LAB_INET" addr add 203.0.113.1/24 dev eth0
  ip -n "$LAB_INET" addr add 198.51.100.1/32 dev lo
  ip -n "$LAB_INET" link set eth0 up
  ip -n "$LAB_HOST" route add default via 203.0.113.1 dev eth0
  ip -n "$LAB_HOST" link add docker0 type bridge stp_state 0
  ip -n "$LAB_HOST" addr add 172.18.0.1/16 dev docker0
  ip -n "$LAB_HOST" link set docker0 up
  ip -n "$LAB_HOST" link add veth1a2b3c4 type veth peer name eth0 netns "$LAB_C1"
  ip -n "$LAB_HOST" link set veth1a2b3c4 master docker0
  ip -n "$LAB_HOST" link set veth1a2b3c4 up
  ip -n "$LAB_C1" addr add 172.18.0.2/16 dev eth0
  ip -n "$LAB_C1" link set eth0 up
  ip -n "$LAB_C1" route add default via 172.18.0.1 dev eth0
  ip netns exec "$LAB_HOST" sysctl -qw net.ipv4.ip_forward=1
  ip netns exec "$LAB_HOST" sysctl -qw net.ipv4.conf.all.forwarding=1
  # the published port's server in the container (a healthy host answers on 8080)
  ip netns exec "$LAB_C1" busybox httpd -f -p 172.18.0.2:80 -h / >/dev/null 2>&1 &
  lab_server=$!
  # a DNS server's UDP socket in the container (ss -Hulnp, and the udp lines of sos's ss -peaonmi and netstat);
  # lab_down ends it with the rest of the namespace's processes, and it ends by itself after 10 minutes
  ip netns exec "$LAB_C1" python3 -c 'import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 53)); time.sleep(600)' >/dev/null 2>&1 &
  tries=0
  until ip netns exec "$LAB_C1" ss -Hunl 'sport = :53' | grep -q .; do
    tries=$((tries + 1)); [ "$tries" -lt 100 ] || { echo "lab.sh: the UDP socket on 0.0.0.0:53 in $LAB_C1 is not there after 5 s" >&2; return 1; }
    sleep 0.05
  done
  # sos 4.0 lists the tables /proc/net/ip_tables_names names (`iptables -t nat -nvL`): on an nf_tables host
  # that file names the tables the legacy x_tables modules hold, as on a host where anything ever ran
  # iptables-legacy; list the nat and filter tables once with it, in the host namespace only.
  ip netns exec "$LAB_HOST" iptables-legacy -t nat -n -L >/dev/null
  ip netns exec "$LAB_HOST" iptables-legacy -t filter -n -L >/dev/null
  # a few neighbours and counters
  ip netns exec "$LAB_HOST" ping -c 1 -W 1 203.0.113.1 >/dev/null 2>&1 || true
  ip netns exec "$LAB_C1" ping -c 1 -W 1 172.18.0.1 >/dev/null 2>&1 || true
}

# Docker 20-27's rules for docker0 with port 8080 published to 172.18.0.2:80; forward-drop: FORWARD policy
# DROP with every accept gone (the fault forward-drop-without-accept names).
lab_rules() {
  {
    cat <<'RULES'
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.18.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
RULES
    if [ "$1" = healthy ]; then
      cat <<'RULES'
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A DOCKER -d 172.18.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
-A DOCKER-USER -j RETURN
RULES
    else
      cat <<'RULES'
-A FORWARD -j DOCKER-USER
-A DOCKER-USER -j RETURN
RULES
    fi
    echo COMMIT
  } | ip netns exec "$LAB_HOST" iptables-restore
  # traffic through the rules, so counters are not all zero
  ip netns exec "$LAB_C1" ping -c 1 -W 1 198.51.100.1 >/dev/null 2>&1 || true
}
