"""Every test runs with a home and XDG folders of its own, and so does every program it starts.

The wizard keeps recent files and drafts in $XDG_STATE_HOME (else ~/.local/state), and the tools the tests run
(npm, pre-commit, Chromium, git) keep caches and settings under the home folder: none of that may reach the home of
the person running the tests. The environment is set for the whole run as soon as pytest starts (so session
fixtures and collection are covered too), and afresh for each test, so no test sees what another left there.
Subprocesses inherit it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The folder no test may write under, as it was before any of the below; kept in the environment for the processes
# pytest-xdist starts, which inherit the home the first one made.
REAL_HOME = Path(os.environ.setdefault("APM_DESIGNER_TESTS_REAL_HOME", os.path.expanduser("~")))
XDG_FOLDERS = {  # variable: its folder under a home, as the XDG base directory specification defaults it
    "XDG_CONFIG_HOME": ".config",
    "XDG_STATE_HOME": ".local/state",
    "XDG_CACHE_HOME": ".cache",
    "XDG_DATA_HOME": ".local/share",
    "XDG_RUNTIME_DIR": "run",
}
_run_home: Path | None = None


def use_home(home: Path) -> dict[str, str]:
    """The environment variables that put HOME and every XDG folder inside `home` (created, private)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {"HOME": str(home)}
    for name, folder in XDG_FOLDERS.items():
        path = home / folder
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        env[name] = str(path)
    return env


def pytest_configure(config: pytest.Config) -> None:
    global _run_home
    _run_home = Path(tempfile.mkdtemp(prefix="apm-designer-tests-home-"))
    os.environ.update(use_home(_run_home))


def pytest_unconfigure(config: pytest.Config) -> None:
    if _run_home is not None:
        shutil.rmtree(_run_home, ignore_errors=True)


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own home (not under tmp_path, which some tests list)."""
    home = tmp_path_factory.mktemp("home")
    for name, value in use_home(home).items():
        monkeypatch.setenv(name, value)
    return home


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private state folder (drafts, recent files) and working folder, for the wizard's tests."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def aco(state: Path) -> Path:
    """A copy of the largest example, to edit."""
    target = state / "aco.yaml"
    shutil.copyfile(Path(__file__).resolve().parent.parent / "proposals" / "examples" / "two-sided-aco.yaml", target)
    return target
