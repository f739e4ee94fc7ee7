# -*- coding: utf-8 -*-
"""
netaudit execution module: collect a snapshot of this minion's network configuration, audit it, and diff two
snapshots, by running the netaudit CLI through ``cmd.run_all``.

Install: copy this file to ``salt://_modules/`` (and ``_states/netaudit.py`` to ``salt://_states/``), then
``salt '*' saltutil.sync_all``. The CLI is found on PATH, or set its command in the minion config or pillar::

    netaudit.binary: /usr/local/bin/netaudit          # or a list: [node, /opt/netaudit/dist/cli/main.js]

CLI usage::

    salt '*' netaudit.collect
    salt '*' netaudit.audit fail_on=warning
    salt '*' netaudit.diff /var/cache/salt/minion/netaudit/previous.json /var/cache/salt/minion/netaudit/current.json

netaudit exits 0 (nothing at or above the threshold), 1 (findings at or above it) or 2 (bad input): 0 and 1
return the JSON document as a dict, 2 raises CommandExecutionError with netaudit's own message.
"""
import json
import logging
import os
import shlex
import shutil

# Nothing from Salt that a plain Python cannot import: the module is loaded, and tested, without Salt.
try:
    from salt.exceptions import CommandExecutionError
except ImportError:  # pragma: no cover - Salt is installed wherever Salt loads this module

    class CommandExecutionError(Exception):
        """Stands in for salt.exceptions.CommandExecutionError where Salt is not installed (tests)."""


log = logging.getLogger(__name__)

__virtualname__ = "netaudit"

#: Exit codes of the netaudit CLI.
EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def __virtual__():
    if _binary() is None:
        return (False, "netaudit: the netaudit CLI is not on PATH; install it or set netaudit.binary")
    return __virtualname__


def _config(key, default=None):
    """A setting from the minion config (``netaudit.binary``) or the pillar (``netaudit: {binary: ...}``)."""
    opts = globals().get("__opts__") or {}
    pillar = globals().get("__pillar__") or {}
    value = opts.get("netaudit.{0}".format(key))
    if value is None:
        value = (pillar.get("netaudit") or {}).get(key)
    return default if value is None else value


def _binary():
    """The command that runs netaudit, as a list of arguments; None when it cannot be found."""
    configured = _config("binary")
    if configured:
        return list(configured) if isinstance(configured, (list, tuple)) else shlex.split(str(configured))
    found = shutil.which("netaudit")
    return [found] if found else None


def state_dir():
    """Where the state module keeps the snapshots of this minion (current and previous)."""
    opts = globals().get("__opts__") or {}
    return _config("state_dir") or os.path.join(opts.get("cachedir", "/var/cache/salt/minion"), "netaudit")


def _run(args):
    """Runs netaudit with ``args``; returns the ``cmd.run_all`` result. Exit 2 raises CommandExecutionError."""
    binary = _binary()
    if binary is None:
        raise CommandExecutionError("netaudit: the netaudit CLI is not on PATH; install it or set netaudit.binary")
    cmd = binary + list(args)
    result = __salt__["cmd.run_all"](cmd, python_shell=False, ignore_retcode=True, output_loglevel="quiet")
    retcode = result.get("retcode")
    if retcode not in (EXIT_OK, EXIT_FINDINGS):
        message = (result.get("stderr") or "").strip() or "exit code {0}".format(retcode)
        raise CommandExecutionError("netaudit {0} failed: {1}".format(args[0], message))
    return result


def _document(result, what):
    try:
        return json.loads(result.get("stdout") or "")
    except ValueError:
        raise CommandExecutionError("netaudit {0} printed no JSON document: {1}".format(what, (result.get("stderr") or "").strip()))


def _netns_args(netns):
    if not netns:
        return []
    names = [netns] if isinstance(netns, str) else list(netns)
    return ["--netns"] + names


def collect(path=None, netns=None):
    """
    Collect a snapshot of this minion's network configuration (root: the collector reads iptables) and return
    its path. ``path`` defaults to ``current.json`` in the netaudit state directory; ``netns`` is ``all`` or a
    list of namespace names.

    CLI Example::

        salt '*' netaudit.collect netns=all
    """
    if path is None:
        path = os.path.join(state_dir(), "current.json")
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    _run(["collect", "-o", path] + _netns_args(netns))
    return path


def audit(snapshot=None, fail_on="error", baseline=None, waivers=None, netns=None):
    """
    Audit a snapshot (collected now when ``snapshot`` is None) and return the JSON report
    (``netaudit/report@1``) as a dict, with ``gate``: ``failOn``, ``failed`` (a finding at or above
    ``fail_on``) and ``retcode``.

    CLI Example::

        salt '*' netaudit.audit fail_on=warning waivers=/etc/netaudit/waivers.json
    """
    if snapshot is None:
        snapshot = collect(netns=netns)
    args = ["audit", snapshot, "--format", "json", "--fail-on", fail_on]
    if baseline:
        args += ["--baseline", baseline]
    for waiver in [waivers] if isinstance(waivers, str) else list(waivers or []):
        args += ["--waivers", waiver]
    result = _run(args)
    report = _document(result, "audit")
    report["gate"] = {"failOn": fail_on, "failed": result["retcode"] == EXIT_FINDINGS, "retcode": result["retcode"]}
    return report


def diff(before, after, fail_on="error", force=False):
    """
    What changed between two snapshots of this minion, and which findings the change introduced and resolved:
    the JSON document (``netaudit/diff@1``) as a dict, with ``gate`` as ``audit`` has it.

    CLI Example::

        salt '*' netaudit.diff /var/lib/netaudit/before.json /var/lib/netaudit/after.json
    """
    args = ["diff", before, after, "--format", "json", "--fail-on", fail_on]
    if force:
        args.append("--force")
    result = _run(args)
    document = _document(result, "diff")
    document["gate"] = {"failOn": fail_on, "failed": result["retcode"] == EXIT_FINDINGS, "retcode": result["retcode"]}
    return document
