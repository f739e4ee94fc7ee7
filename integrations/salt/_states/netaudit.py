# -*- coding: utf-8 -*-
"""
netaudit state: a post-apply gate that fails a highstate with the cause.

.. code-block:: yaml

    network-gate:
      netaudit.audited:
        - fail_on: error
        - require:
          - sysctl: net.ipv4.ip_forward

The state collects a snapshot of the minion (or takes ``snapshot``), audits it, and returns:

- ``result``: False with the failing rule ids, subjects and messages in the comment when a finding reaches
  ``fail_on``; True otherwise; None in test mode (nothing is collected or audited);
- ``changes``: what changed since the previous run of this state on the minion (the diff of the previous
  snapshot, kept in the netaudit state directory, against this one: model changes and findings introduced
  or resolved), empty when nothing changed, so that ``onchanges`` requisites fire only on a real change.

It needs the execution module ``_modules/netaudit.py`` (``netaudit.collect``, ``netaudit.audit``,
``netaudit.diff``).
"""
import os
import re
import shutil

try:
    from salt.exceptions import CommandExecutionError
except ImportError:  # pragma: no cover - Salt is installed wherever Salt loads this module

    class CommandExecutionError(Exception):
        """Stands in for salt.exceptions.CommandExecutionError where Salt is not installed (tests)."""


__virtualname__ = "netaudit"


def _command_error(err):
    """
    A CommandExecutionError of the execution module. Under Salt both modules import the same class; loaded
    without Salt (tests) each has its own stand-in, known by name.
    """
    return isinstance(err, CommandExecutionError) or type(err).__name__ == "CommandExecutionError"

SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}

#: Findings named one by one in the comment before the rest are counted.
MAX_NAMED = 20


def __virtual__():
    if "netaudit.audit" in __salt__:
        return __virtualname__
    return (False, "netaudit: the netaudit execution module is not loaded (sync _modules/netaudit.py)")


def _subject(subject):
    """'interface eth0', 'interface veth1 (netns blue)', as netaudit words it."""
    kind, name, namespace = subject.get("kind", ""), subject.get("name", ""), subject.get("namespace", "host")
    what = kind if name in ("", kind) else "{0} {1}".format(kind, name)
    return what if namespace == "host" else "{0} (netns {1})".format(what, namespace)


def _finding_line(finding):
    return "{0} [{1}] on {2}: {3}".format(finding["ruleId"], finding["severity"], _subject(finding["subject"]), finding["message"])


def _failing(report, fail_on):
    if fail_on == "none":
        return []
    threshold = SEVERITY_RANK[fail_on]
    return [f for f in report.get("findings", []) if SEVERITY_RANK.get(f.get("severity"), 0) >= threshold]


def _change_line(change):
    where = "" if change["namespace"] == "host" else " (netns {0})".format(change["namespace"])
    what = "{0} {1}{2}".format(change["kind"], change["name"], where)
    if change["before"] is None:
        return "+ {0}: {1}".format(what, change["after"])
    if change["after"] is None:
        return "- {0}: {1}".format(what, change["before"])
    return "~ {0}: {1} -> {2}".format(what, change["before"], change["after"])


def _changes_of(document):
    """The state's ``changes``: empty when the diff found nothing, so that onchanges fires only on a change."""
    findings = document["findings"]
    if not document["changes"] and not findings["introduced"] and not findings["resolved"]:
        return {}
    return {
        "since": document["before"]["input"],
        "changes": [_change_line(c) for c in document["changes"]],
        "introduced": [_finding_line(f) for f in findings["introduced"]],
        "resolved": [_finding_line(f) for f in findings["resolved"]],
    }


def _keep(source, target):
    """Copies the snapshot just audited (a file, or a raw-output directory) to where the next run diffs from."""
    if os.path.abspath(source) == os.path.abspath(target):
        return
    if os.path.isdir(target):
        shutil.rmtree(target)
    elif os.path.exists(target):
        os.remove(target)
    if os.path.isdir(source):
        shutil.copytree(source, target)
    else:
        shutil.copyfile(source, target)
        os.chmod(target, 0o600)


def _state_paths(name):
    directory = os.path.join(__salt__["netaudit.state_dir"](), re.sub(r"[^A-Za-z0-9_.-]", "_", name))
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    return os.path.join(directory, "current.json"), os.path.join(directory, "previous.json")


def audited(name, snapshot=None, fail_on="error", baseline=None, waivers=None, netns=None):
    """
    Ensure the minion's network configuration passes netaudit at ``fail_on`` (error, warning, info or none).

    name
        An id for the gate: the previous snapshot is kept per name.
    snapshot
        Audit this snapshot (or raw-output directory) instead of collecting one.
    baseline, waivers
        As ``netaudit audit --baseline FILE --waivers FILE``: accepted findings do not fail the state.
    netns
        Namespaces to collect besides the host: ``all`` or a list of names.
    """
    ret = {"name": name, "result": None, "changes": {}, "comment": ""}
    if fail_on not in ("error", "warning", "info", "none"):
        ret["result"] = False
        ret["comment"] = "fail_on must be error, warning, info or none, not {0!r}".format(fail_on)
        return ret
    if __opts__.get("test"):
        what = "audit {0}".format(snapshot) if snapshot else "collect a snapshot and audit it"
        ret["comment"] = "netaudit would {0} (fail on {1}) and diff it against the previous run".format(what, fail_on)
        return ret

    current, previous = _state_paths(name)
    try:
        if snapshot is None:
            snapshot = __salt__["netaudit.collect"](path=current, netns=netns)
        report = __salt__["netaudit.audit"](snapshot=snapshot, fail_on=fail_on, baseline=baseline, waivers=waivers)
    except Exception as err:  # CommandExecutionError: netaudit exited 2
        if not _command_error(err):
            raise
        ret["result"] = False
        ret["comment"] = str(err)
        return ret

    notes = []
    if os.path.exists(previous):
        try:
            ret["changes"] = _changes_of(__salt__["netaudit.diff"](previous, snapshot, fail_on=fail_on))
        except Exception as err:  # CommandExecutionError: netaudit exited 2
            if not _command_error(err):
                raise
            notes.append("no diff against the previous snapshot: {0}".format(err))
    else:
        notes.append("first run: no previous snapshot to diff against")
    _keep(snapshot, previous)

    failing = _failing(report, fail_on)
    summary = report.get("summary", {})
    counts = "{0} errors, {1} warnings, {2} info".format(summary.get("errors", 0), summary.get("warnings", 0), summary.get("infos", 0))
    if failing:
        ret["result"] = False
        lines = ["netaudit FAILED (fail on {0}): {1}".format(fail_on, counts)]
        lines += ["  " + _finding_line(f) for f in failing[:MAX_NAMED]]
        if len(failing) > MAX_NAMED:
            lines.append("  ... and {0} more".format(len(failing) - MAX_NAMED))
    else:
        ret["result"] = True
        lines = ["netaudit passed (fail on {0}): {1}".format(fail_on, counts)]
    if summary.get("rulesSkipped"):
        lines.append("NOT fully checked: {0} rules skipped".format(summary["rulesSkipped"]))
    ret["comment"] = "\n".join(lines + notes)
    return ret
