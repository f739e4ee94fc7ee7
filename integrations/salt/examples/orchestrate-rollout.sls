# Orchestration (salt-run state.orchestrate orchestrate-rollout): apply the network change to a canary first,
# then to the rest in batches, and stop the rollout as soon as a minion fails the gate. Each step applies the
# change and the `network-gate` state (netaudit.audited, as in post-apply-gate.sls); a minion whose gate
# fails makes its step fail, and `failhard` ends the orchestration before the next batch is touched. The
# failing minion's comment names the rules, subjects and messages; its `changes` say what the apply changed.

canary:
  salt.state:
    - tgt: 'web-canary*'
    - sls:
      - post-apply-gate
    - failhard: True

rollout:
  salt.state:
    - tgt: 'web* and not web-canary*'
    - tgt_type: compound
    - sls:
      - post-apply-gate
    - batch: '10%'
    - failhard: True
    - require:
      - salt: canary
