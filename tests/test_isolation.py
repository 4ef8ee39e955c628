"""The tests leave the machine alone: each test, and each program it starts, has a home and XDG folders of its own
(tests/conftest.py), so running the suite writes nothing under the home of the person running it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REAL_HOME, XDG_FOLDERS

from apm_designer.drafts import state_dir

ROOT = Path(__file__).resolve().parents[1]


def test_a_test_and_the_programs_it_starts_have_a_home_of_their_own(private_home):
    names = ["HOME", *XDG_FOLDERS]
    shown = subprocess.run([sys.executable, "-c", f"import json, os; print(json.dumps([os.environ.get(n) for n in "
                            f"{names!r}] + [os.path.expanduser('~')]))"], capture_output=True, text=True, check=True)
    for where in [os.environ.get(n) for n in names] + json.loads(shown.stdout):
        assert where is not None and Path(where).is_relative_to(private_home), where
        assert not Path(where).is_relative_to(REAL_HOME)
    assert state_dir().is_relative_to(private_home)


def test_tests_that_keep_recent_files_and_drafts_write_nothing_under_the_home(tmp_path):
    """Runs the tests that remember files and write drafts (the ones that once filled the real Recent files list)
    with an empty home of their own and no XDG variables set, as on a developer's machine; the home stays empty."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")} | {"HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_wizard_drafts.py", "tests/test_wizard_cli.py"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:]
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
