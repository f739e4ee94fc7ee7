# A post-apply check: after the sysctl and firewall states, the netaudit gate audits the minion and fails
# the highstate with the cause (rule ids, subjects, messages in the comment). `failhard` stops the run at a
# failing gate, so that nothing else is applied to a host the change made worse.
#
# Needs _modules/netaudit.py and _states/netaudit.py synced (saltutil.sync_all) and the netaudit CLI on the
# minion (or netaudit.binary in the minion config or pillar).

net.ipv4.ip_forward:
  sysctl.present:
    - value: 1

/etc/iptables/rules.v4:
  file.managed:
    - source: salt://firewall/rules.v4
    - mode: '0600'

iptables-restore:
  cmd.run:
    - name: iptables-restore < /etc/iptables/rules.v4
    - onchanges:
      - file: /etc/iptables/rules.v4

network-gate:
  netaudit.audited:
    - fail_on: error
    - netns: all
    - waivers:
      - /etc/netaudit/waivers.json
    - failhard: True
    - require:
      - sysctl: net.ipv4.ip_forward
      - cmd: iptables-restore

# Runs only when the gate's `changes` are not empty: the network changed since the previous run (the diff of
# the snapshot kept on the minion against this one), e.g. to tell the team what the apply did.
announce-network-change:
  event.send:
    - name: netaudit/network/changed
    - data:
        minion: {{ grains['id'] }}
    - onchanges:
      - netaudit: network-gate
