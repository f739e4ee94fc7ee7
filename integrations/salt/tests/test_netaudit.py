"""
The netaudit Salt execution and state modules, loaded as Salt's loader loads them (loader.py), without Salt,
against the real CLI and real snapshots: the bundled example and the rule fixtures of
iface-forwarding-disabled (pass: a healthy host; fail: the same host with forwarding off on its uplink).
"""
import json
import os
import shutil
import tempfile
import unittest

from loader import PROJECT_ROOT, load, minion

EXAMPLE = os.path.join(PROJECT_ROOT, "fixtures", "example", "snapshot.json")
HEALTHY = os.path.join(PROJECT_ROOT, "fixtures", "rules", "iface-forwarding-disabled", "pass")
BROKEN = os.path.join(PROJECT_ROOT, "fixtures", "rules", "iface-forwarding-disabled", "fail")


class MinionTest(unittest.TestCase):
    def setUp(self):
        self.cachedir = tempfile.mkdtemp(prefix="netaudit-salt-")
        self.module, self.state, self.run_all, self.opts = minion(self.cachedir)

    def tearDown(self):
        shutil.rmtree(self.cachedir, ignore_errors=True)


class ExecutionModule(MinionTest):
    def test_loads_without_salt_and_names_itself(self):
        self.assertEqual(self.module.__virtual__(), "netaudit")

    def test_virtual_refuses_without_the_cli(self):
        module = load("modules", {}, {"netaudit.binary": ""})
        saved = os.environ.get("PATH")
        os.environ["PATH"] = self.cachedir
        try:
            loaded, reason = module.__virtual__()
        finally:
            os.environ["PATH"] = saved
        self.assertFalse(loaded)
        self.assertIn("netaudit.binary", reason)

    def test_audit_returns_the_report_with_the_gate(self):
        report = self.module.audit(snapshot=BROKEN, fail_on="error")
        self.assertEqual(report["schema"], "netaudit/report@1")
        self.assertEqual(report["gate"], {"failOn": "error", "failed": True, "retcode": 1})
        rules = [(f["ruleId"], f["subject"]["name"]) for f in report["findings"]]
        self.assertIn(("iface-forwarding-disabled", "eth0"), rules)
        self.assertEqual(self.run_all.calls[0][-5:], ["audit", BROKEN, "--format", "json", "--fail-on", "error"][-5:])

    def test_audit_passes_a_healthy_host_and_hands_over_baseline_and_waivers(self):
        waivers = os.path.join(self.cachedir, "waivers.json")
        with open(waivers, "w") as handle:
            json.dump({"waivers": []}, handle)
        report = self.module.audit(snapshot=HEALTHY, fail_on="error", waivers=[waivers])
        self.assertFalse(report["gate"]["failed"])
        self.assertEqual(report["summary"]["errors"], 0)
        self.assertIn("--waivers", self.run_all.calls[-1])

    def test_exit_2_raises_command_execution_error_with_netaudit_message(self):
        missing = os.path.join(self.cachedir, "nope.json")
        with self.assertRaises(self.module.CommandExecutionError) as raised:
            self.module.audit(snapshot=missing)
        self.assertIn("nope.json", str(raised.exception))
        self.assertIn("netaudit audit failed", str(raised.exception))

    def test_diff_names_the_change_and_the_finding_it_introduced(self):
        document = self.module.diff(HEALTHY, BROKEN)
        self.assertEqual(document["schema"], "netaudit/diff@1")
        self.assertTrue(document["gate"]["failed"])
        sysctl = [c for c in document["changes"] if c["name"] == "net.ipv4.conf.eth0.forwarding"]
        self.assertEqual([(c["before"], c["after"]) for c in sysctl], [("1", "0")])
        self.assertEqual([f["ruleId"] for f in document["findings"]["introduced"]], ["iface-forwarding-disabled"])

    def test_collect_runs_the_collector_to_the_state_directory(self):
        calls = []
        self.module.__salt__["cmd.run_all"] = lambda cmd, **kw: calls.append(cmd) or {"retcode": 0, "stdout": "", "stderr": ""}
        path = self.module.collect(netns="all")
        self.assertEqual(path, os.path.join(self.cachedir, "netaudit", "current.json"))
        self.assertEqual(calls[0][-5:], ["collect", "-o", path, "--netns", "all"])
        self.assertTrue(os.path.isdir(os.path.dirname(path)))


class AuditedState(MinionTest):
    def audited(self, snapshot, **kwargs):
        ret = self.state.audited("network-gate", snapshot=snapshot, **kwargs)
        self.assertEqual(sorted(ret), ["changes", "comment", "name", "result"])
        self.assertEqual(ret["name"], "network-gate")
        return ret

    def test_virtual_needs_the_execution_module(self):
        self.assertEqual(self.state.__virtual__(), "netaudit")
        loaded, reason = load("states", {}).__virtual__()
        self.assertFalse(loaded)
        self.assertIn("execution module", reason)

    def test_test_mode_returns_none_and_runs_nothing(self):
        self.opts["test"] = True
        ret = self.audited(BROKEN)
        self.assertIsNone(ret["result"])
        self.assertEqual(ret["changes"], {})
        self.assertIn("would audit", ret["comment"])
        self.assertEqual(self.run_all.calls, [])

    def test_a_gate_over_four_runs_fails_with_the_cause_and_diffs_against_the_previous_run(self):
        # First run: a healthy host passes; nothing to diff against, so no changes.
        first = self.audited(HEALTHY)
        self.assertTrue(first["result"])
        self.assertEqual(first["changes"], {})
        self.assertIn("netaudit passed (fail on error)", first["comment"])
        self.assertIn("first run", first["comment"])
        # The apply broke forwarding on the uplink: the state fails naming rule, subject and message, and its
        # changes say what changed since the previous run and which finding that introduced.
        broken = self.audited(BROKEN)
        self.assertFalse(broken["result"])
        self.assertIn("iface-forwarding-disabled [error] on interface eth0: net.ipv4.conf.eth0.forwarding is 0", broken["comment"])
        self.assertIn("~ sysctl net.ipv4.conf.eth0.forwarding: 1 -> 0", broken["changes"]["changes"])
        self.assertEqual(len(broken["changes"]["introduced"]), 1)
        self.assertTrue(broken["changes"]["introduced"][0].startswith("iface-forwarding-disabled [error] on interface eth0"))
        # Nothing changed since: still failing, but no changes, so onchanges requisites stay quiet.
        again = self.audited(BROKEN)
        self.assertFalse(again["result"])
        self.assertEqual(again["changes"], {})
        # The fix: the next run passes and its changes say what it resolved.
        fixed = self.audited(HEALTHY)
        self.assertTrue(fixed["result"])
        self.assertEqual(len(fixed["changes"]["resolved"]), 1)
        self.assertEqual(fixed["changes"]["introduced"], [])

    def test_fail_on_warning_fails_on_warnings_too(self):
        ret = self.audited(EXAMPLE, fail_on="warning")
        self.assertFalse(ret["result"])
        self.assertIn("netaudit FAILED (fail on warning)", ret["comment"])

    def test_bad_input_fails_the_state_with_netaudit_message(self):
        ret = self.audited(os.path.join(self.cachedir, "nope.json"))
        self.assertFalse(ret["result"])
        self.assertIn("nope.json", ret["comment"])

    def test_refuses_an_unknown_threshold(self):
        ret = self.audited(HEALTHY, fail_on="critical")
        self.assertFalse(ret["result"])
        self.assertEqual(self.run_all.calls, [])


if __name__ == "__main__":
    unittest.main()
