"""
Loading the netaudit Salt modules as Salt's loader does, without Salt: import the file by path under a name
of its own, then inject the dunders (``__salt__``, ``__opts__``, ``__pillar__``, ``__grains__``,
``__context__``) into the module's globals before any function runs.
"""
import importlib.util
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SALT_DIR = os.path.dirname(HERE)
PROJECT_ROOT = os.path.dirname(os.path.dirname(SALT_DIR))
#: The built CLI the tests run (``npm run build``); NETAUDIT_CLI overrides it.
CLI = os.environ.get("NETAUDIT_CLI") or os.path.join(PROJECT_ROOT, "dist", "cli", "main.js")
NODE = os.environ.get("NETAUDIT_NODE") or "node"


def load(kind, salt_functions, opts=None, pillar=None):
    """The module ``_modules/netaudit.py`` (kind "modules") or ``_states/netaudit.py`` (kind "states")."""
    path = os.path.join(SALT_DIR, "_" + kind, "netaudit.py")
    spec = importlib.util.spec_from_file_location("salt.loaded.ext.{0}.netaudit".format(kind), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.__salt__ = salt_functions
    module.__opts__ = opts if opts is not None else {}
    module.__pillar__ = pillar if pillar is not None else {}
    module.__grains__ = {"kernel": "Linux", "id": "minion-under-test"}
    module.__context__ = {}
    return module


class RunAll(object):
    """``cmd.run_all`` as Salt's cmd module provides it: runs the command (a list, no shell) and reports it."""

    def __init__(self):
        self.calls = []

    def __call__(self, cmd, python_shell=False, ignore_retcode=False, output_loglevel="debug", **kwargs):
        assert isinstance(cmd, list) and python_shell is False, "netaudit is run without a shell"
        self.calls.append(cmd)
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
        return {"pid": 0, "retcode": done.returncode, "stdout": done.stdout, "stderr": done.stderr}


def minion(cachedir):
    """The execution module and the state module wired as on a minion, with the real CLI behind cmd.run_all."""
    run_all = RunAll()
    opts = {"cachedir": cachedir, "test": False, "netaudit.binary": [NODE, CLI]}
    salt = {"cmd.run_all": run_all}
    module = load("modules", salt, opts)
    for name in ("collect", "audit", "diff", "state_dir"):
        salt["netaudit." + name] = getattr(module, name)
    state = load("states", salt, opts)
    return module, state, run_all, opts
