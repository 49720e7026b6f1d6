"""Packaging (issue 14 item 14): the sdist carries the licence, examples and tests, and the tests run from the
unpacked sdist; the wheel's metadata names the licence and project URLs; an editable install is one mypy follows."""

from __future__ import annotations

import email.parser
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("setuptools")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    subprocess.run([sys.executable, "setup.py", "-q", "sdist", "-d", str(out)], cwd=ROOT, check=True,
                   capture_output=True, text=True, timeout=300)
    (archive,) = out.glob("trueconf_sync-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(out, filter="data")
    (unpacked,) = (p for p in out.iterdir() if p.is_dir())
    return unpacked


def test_the_sdist_carries_licence_examples_and_tests(sdist: Path) -> None:
    for name in ("LICENSE", "README.rst", "setup.cfg", "examples/echo_bot.py", "examples/flask_app/flask_alerts.py",
                 "examples/notebook.ipynb", "tests/conftest.py", "tests/data/protocol_examples.json",
                 "tests/transport/scripted_server.py", "trueconf_sync/py.typed"):
        assert (sdist / name).is_file(), name
    assert not list(sdist.rglob("__pycache__")) and not list(sdist.rglob("*.sqlite3"))
    assert "MIT License" in (sdist / "LICENSE").read_text()


def test_tests_and_examples_run_from_the_unpacked_sdist(sdist: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(sdist)}  # ahead of the editable install's path
    where = subprocess.run([sys.executable, "-c", "import trueconf_sync; print(trueconf_sync.__file__)"], env=env,
                           cwd=sdist, capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(sdist))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                             "tests/test_bot_examples.py", "tests/test_client_methods.py", "tests/test_ids.py"],
                            env=env, cwd=sdist, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1]


def test_wheel_metadata_names_licence_and_urls(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, text=True, timeout=300)
    (wheel,) = tmp_path.glob("trueconf_sync-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(metadata_name).decode())
    assert metadata["License"] == "MIT" and "License :: OSI Approved :: MIT License" in metadata.get_all("Classifier")
    assert {url.split(",")[0] for url in metadata.get_all("Project-URL")} == {"Documentation", "Source",
                                                                              "Issue Tracker"}
    assert any(n.endswith("LICENSE") for n in names) and "trueconf_sync/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "examples/"))]


def test_mypy_follows_the_editable_install(tmp_path: Path) -> None:
    (tmp_path / "use.py").write_text("from trueconf_sync import Client\nreveal_type(Client)\n")
    result = subprocess.run([sys.executable, "-m", "mypy", "use.py"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    assert "trueconf_sync.client.Client" in result.stdout and "missing library stubs" not in result.stdout, (
        result.stdout)
