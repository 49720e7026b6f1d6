"""A plain install (no extras) gets one readable line saying what to install, a non-zero exit and no
traceback (issue 14 item 3): the demo, the standalone fake server, the pytest fixtures, progress=True.

aiohttp (and tqdm) are hidden from a child interpreter by a meta-path finder in a sitecustomize module,
the way a fresh ``pip install trueconf_sync`` would lack them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HIDE = '''
import sys

class _Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("aiohttp", "tqdm"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _Hide())
'''


@pytest.fixture
def plain_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "sitecustomize.py").write_text(HIDE)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}


def run(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_the_extras_are_really_hidden(plain_env: dict[str, str]) -> None:
    assert run(["-c", "import aiohttp"], plain_env).returncode != 0


@pytest.mark.parametrize("args", [["-m", "trueconf_sync", "demo"], ["-m", "trueconf_sync.testing", "--port", "0"]])
def test_commands_say_what_to_install(plain_env: dict[str, str], args: list[str]) -> None:
    result = run(args, plain_env)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "pip install 'trueconf_sync[testing]'" in result.stderr
    assert "Traceback" not in result.stderr and "needs aiohttp" in result.stderr


def test_pytest_fixtures_say_what_to_install(plain_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "test_bot.py").write_text("def test_bot(trueconf_client):\n    assert trueconf_client\n")
    result = run(["-m", "pytest", "-q", "-p", "no:cacheprovider", "test_bot.py"], plain_env, cwd=tmp_path)
    assert result.returncode == 1
    assert "the trueconf_server fixture (the fake TrueConf server) needs aiohttp: pip install " in result.stdout
    assert "Traceback" not in result.stdout and "During handling" not in result.stdout


def test_progress_bar_says_what_to_install(plain_env: dict[str, str]) -> None:
    code = ("from trueconf_sync import Client\n"
            "from trueconf_sync.extras import MissingExtraError\n"
            "client = Client('localhost', token='t', https=False)\n"
            "try:\n    client.send_file('c', b'x', progress=True)\n"
            "except MissingExtraError as exc:\n    print(exc.extra, '|', exc)\n")
    result = run(["-c", code], plain_env)
    assert result.stdout.strip() == ("progress | progress=True needs tqdm: pip install 'trueconf_sync[progress]' "
                                     "(or pass a callback)"), result.stderr


def test_the_library_logger_has_a_null_handler() -> None:
    code = ("import logging, trueconf_sync\n"
            "print([type(h).__name__ for h in logging.getLogger('trueconf_sync').handlers])\n"
            "logging.getLogger('trueconf_sync.client').warning('not configured: no output')\n")
    result = run(["-c", code], dict(os.environ))
    assert result.stdout.strip() == "['NullHandler']" and result.stderr == ""


def test_the_demo_piped_into_head_ends_quietly() -> None:
    command = f"{sys.executable} -m trueconf_sync demo | head -3"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=120)
    assert result.stdout.count("\n") == 3 and result.stdout.startswith("Fake TrueConf server listening")
    assert result.stderr == "" and result.returncode == 0  # no BrokenPipeError traceback, exit 0
