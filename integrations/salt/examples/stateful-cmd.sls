# The alternative without the custom modules: cmd.run with `stateful: True`. netaudit's `salt` format prints
# exactly one JSON object on stdout (`changed`, `comment`, `result`, counts, findings; logs go to stderr),
# which Salt reads as the state's changed flag and comment; the state's result is the exit code
# (0 pass, 1 findings at or above --fail-on, 2 bad input or nothing checked).

netaudit-stateful:
  cmd.run:
    - name: >-
        netaudit collect -o /var/lib/netaudit/current.json --netns all &&
        netaudit audit /var/lib/netaudit/current.json --format salt --fail-on error
    - stateful: True
    - failhard: True
    - require:
      - sysctl: net.ipv4.ip_forward
