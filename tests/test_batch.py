"""Batches: worker processes give the same report, in the same order, with the same exit code, as one process.

The CLI runs for real in a subprocess on real files; APM_DESIGNER_JOBS=1 is the serial reference and
APM_DESIGNER_JOBS=2 forces worker processes even where the batch alone would not call for them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apm_designer.batch import PARALLEL_MIN, check_file, exit_code, jobs_wanted, run_batch
from apm_designer.document import iter_proposal_files

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "proposals" / "examples").glob("*.yaml"))
FILES = 240  # over PARALLEL_MIN, so the default (no APM_DESIGNER_JOBS) goes parallel too

DRAFT = "metadata:\n  title: Draft {n}\n  status: draft\nelement_4:\n  beneficiaries: {n}\n"
BROKEN = {
    "schema": "metadata:\n  title: Broken {n}\n  status: finale\nelement_4:\n  beneficiaries: -{n}\n",
    "yaml": "metadata:\n  title: [unclosed {n}\n",
    "duplicate": "metadata:\n  title: A\n  status: draft\n  title: B{n}\n",
    "encoding": None,  # Latin-1 bytes
}


def make_batch(folder: Path, count: int = FILES) -> Path:
    """`count` proposals: the real examples, drafts, and every kind of broken file, interleaved."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds = list(BROKEN)
    for n in range(count):
        path = folder / f"p{n:04d}.yaml"
        if n % 7 == 3:
            kind = kinds[(n // 7) % len(kinds)]
            text = BROKEN[kind]
            if text is None:
                path.write_bytes(f"metadata:\n  title: Soins coordonnés {n}\n".encode("latin-1"))
            else:
                path.write_text(text.format(n=n), encoding="utf-8")
        elif n % 5 == 0 and EXAMPLES:
            shutil.copyfile(EXAMPLES[(n // 5) % len(EXAMPLES)], path)
        else:
            path.write_text(DRAFT.format(n=n), encoding="utf-8")
    return folder


def cli(command: str, *args: str | Path, jobs: int | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "APM_DESIGNER_JOBS"}
    if jobs is not None:
        env["APM_DESIGNER_JOBS"] = str(jobs)
    return subprocess.run([sys.executable, "-m", "apm_designer", command, *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_batch(tmp_path_factory.mktemp("batch") / "proposals")


@pytest.mark.parametrize("command", ["validate", "evaluate"])
@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_workers_report_exactly_what_one_process_reports(batch: Path, command: str, fmt: str) -> None:
    serial = cli(command, batch, "--format", fmt, jobs=1)
    for jobs in (2, None) if fmt == "text" else (2,):  # None: the default for a batch this size, parallel too
        parallel = cli(command, batch, "--format", fmt, jobs=jobs)
        assert parallel.stdout == serial.stdout
        assert parallel.returncode == serial.returncode == 1
        assert parallel.stderr == serial.stderr == ""
    if fmt == "json":  # the report names every file, in order, and each kind of failure came through
        report = json.loads(serial.stdout)
        assert [f["path"] for f in report["files"]] == [str(p) for p in sorted(batch.glob("*.yaml"))]
        codes = {p["code"] for f in report["files"] for p in f["problems"]}
        assert {"enum", "minimum", "yaml-syntax", "duplicate-key", "encoding"} <= codes


def test_an_unreadable_file_mid_batch_is_reported_in_its_place_and_the_rest_still_checked(batch: Path) -> None:
    files = sorted(batch.glob("*.yaml"))
    args = [*files[:100], batch / "missing.yaml", *files[100:]]
    serial = cli("validate", *args, jobs=1)
    parallel = cli("validate", *args, jobs=2)
    assert parallel.stdout == serial.stdout
    assert parallel.returncode == serial.returncode == 2
    lines = serial.stdout.splitlines()
    missing = [i for i, line in enumerate(lines) if "missing.yaml" in line]
    assert len(missing) == 1
    assert lines[missing[0]] == f"{batch / 'missing.yaml'}: error: no such file or folder [unreadable]"
    before = [line for line in lines[:missing[0]] if line.startswith(str(batch))]
    after = [line for line in lines[missing[0] + 1:] if line.startswith(str(batch))]
    assert all(line.split(":")[0] < str(files[100]) for line in before)
    assert all(line.split(":")[0] >= str(files[100]) for line in after)
    assert lines[-1].startswith(f"checked {FILES + 1} files: ")
    assert lines[-1].endswith(", 1 unreadable")


@pytest.mark.parametrize("jobs", [1, 2])
def test_exit_codes_are_the_same_in_workers(tmp_path: Path, jobs: int) -> None:
    good = tmp_path / "good"
    good.mkdir()
    for n in range(PARALLEL_MIN + 10):
        (good / f"p{n:04d}.yaml").write_text(DRAFT.format(n=n), encoding="utf-8")
    assert cli("validate", good, jobs=jobs).returncode == 0
    assert cli("evaluate", good, jobs=jobs).returncode == 0
    assert cli("evaluate", good, "--expect", "advanced-apm", jobs=jobs).returncode == 1  # drafts: undetermined
    (good / "p0007.yaml").write_text(BROKEN["schema"].format(n=7), encoding="utf-8")
    assert cli("validate", good, jobs=jobs).returncode == 1
    assert cli("validate", good, tmp_path / "nowhere.yaml", jobs=jobs).returncode == 2


# --------------------------------------------------------------------------------------------- run_batch itself


def _pid_of(item: int) -> tuple[int, int]:
    return item, os.getpid()


def test_run_batch_uses_worker_processes_and_keeps_input_order() -> None:
    items = list(range(500))
    results = list(run_batch(items, _pid_of, jobs=2))
    assert [item for item, _ in results] == items
    assert os.getpid() not in {pid for _, pid in results}


def test_small_batches_stay_in_this_process_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APM_DESIGNER_JOBS", raising=False)
    assert {pid for _, pid in run_batch(list(range(PARALLEL_MIN - 1)), _pid_of)} == {os.getpid()}
    assert jobs_wanted(PARALLEL_MIN) >= 1
    monkeypatch.setenv("APM_DESIGNER_JOBS", "1")
    assert {pid for _, pid in run_batch(list(range(PARALLEL_MIN + 50)), _pid_of)} == {os.getpid()}
    monkeypatch.setenv("APM_DESIGNER_JOBS", "2")
    assert jobs_wanted(3) == 2
    assert jobs_wanted(1) == 1  # never more processes than files
    monkeypatch.setenv("APM_DESIGNER_JOBS", "lots")  # not a number: the default
    assert jobs_wanted(PARALLEL_MIN - 1) == 1


def test_check_file_results_match_in_workers_and_here(batch: Path) -> None:
    items = list(iter_proposal_files([str(batch)]))
    here = [check_file(item) for item in items]
    there = list(run_batch(items, check_file, jobs=2))
    assert there == here
    assert exit_code(there) == exit_code(here) == 1
    assert {r.status for r in here} == {"valid", "invalid"}



# --------------------------------------------------------------------------------------------- metrics and render


def make_examples_batch(folder: Path, count: int = PARALLEL_MIN + 10) -> dict[str, str | None]:
    """`count` copies of the example proposals, some spoilt: each path (in the order a folder lists them) with how.

    "type" and "yaml-syntax" make a copy invalid; "warning" puts dollars over a line's total (a payment warning).
    """
    folder.mkdir(parents=True, exist_ok=True)
    spoil = {"type": ("performance_year: 20", "performance_year: x20"), "yaml-syntax": ("metadata:", "metadata: ["),
             "warning": ("      dollars: ", "      dollars: 9")}
    files: dict[str, str | None] = {}
    for n in range(count):
        text = EXAMPLES[n % len(EXAMPLES)].read_text(encoding="utf-8")
        how = "type" if n % 7 == 3 else "yaml-syntax" if n % 11 == 5 else "warning" if n % 13 == 6 else None
        if how is not None and spoil[how][0] not in text:  # an example without dollars gets no payment warning
            how = None
        path = folder / f"p{n:04d}.yaml"
        path.write_text(text.replace(*spoil[how], 1) if how else text, encoding="utf-8")
        files[str(path)] = how
    return files


@pytest.fixture(scope="module")
def examples_batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    if not EXAMPLES:
        pytest.skip("no example proposals")
    return make_examples_batch(tmp_path_factory.mktemp("examples") / "proposals")


def named(lines: list[str]) -> list[str]:
    """The files that lines starting `path:` name, each once, in the order first named."""
    return list(dict.fromkeys(line.split(":")[0] for line in lines if line.startswith("/")))


@pytest.mark.parametrize("fmt", ["text", "json", "csv"])
def test_metrics_in_workers_reports_exactly_what_one_process_reports(examples_batch: dict[str, str | None],
                                                                     fmt: str) -> None:
    folder = Path(next(iter(examples_batch))).parent
    serial = cli("metrics", folder, "--format", fmt, jobs=1)
    assert serial.returncode == 1  # the invalid copies
    for jobs in (2, None) if fmt == "text" else (2,):  # None: the default for a batch this size, parallel too
        parallel = cli("metrics", folder, "--format", fmt, jobs=jobs)
        assert (parallel.stdout, parallel.stderr, parallel.returncode) == (serial.stdout, serial.stderr, 1)

    paths = list(examples_batch)
    invalid = [p for p, how in examples_batch.items() if how in ("type", "yaml-syntax")]
    warned = [p for p, how in examples_batch.items() if how == "warning"]
    valid = [p for p in paths if p not in invalid]
    summary = f"checked {len(paths)} files: {len(valid)} valid, {len(invalid)} invalid ({len(invalid)} problems)"
    if fmt == "json":
        report = json.loads(serial.stdout)
        assert [f["path"] for f in report["files"]] == paths
        assert [f["path"] for f in report["files"] if f["metrics"] is None] == invalid
        assert [f["path"] for f in report["files"] if f["warnings"]] == warned
        assert report["summary"] == summary
        return
    if fmt == "text":  # every file in input order: a valid one by its table's title, an invalid one by its problem
        lines = serial.stdout.splitlines()
        assert named(lines) == paths
    else:  # the rows of the valid files with payment lines on stdout, problems and warnings on stderr, in order
        with_lines = [p for p in valid if "lines_of_business:" in Path(p).read_text(encoding="utf-8")]
        rows = serial.stdout.splitlines()
        assert rows[0].startswith("file,") and list(dict.fromkeys(row.split(",")[0] for row in rows[1:])) == with_lines
        lines = serial.stderr.splitlines()
        assert named(lines) == [p for p in paths if p in invalid or p in warned]
    assert warned and named([line for line in lines if line.endswith("[PAY-NUMERATOR]")]) == warned
    assert lines[-1] == summary


def test_render_in_workers_writes_exactly_what_one_process_writes(examples_batch: dict[str, str | None],
                                                                  tmp_path: Path) -> None:
    folder, out = Path(next(iter(examples_batch))).parent, tmp_path / "out"
    serial = cli("render", folder, "-o", out, jobs=1)
    out.rename(tmp_path / "serial")
    parallel = cli("render", folder, "-o", out, jobs=None)  # the default for a batch this size: worker processes
    assert (parallel.stdout, parallel.stderr, parallel.returncode) == (serial.stdout, serial.stderr, 1)
    assert parallel.stdout == ""

    rendered = [Path(p) for p, how in examples_batch.items() if how not in ("type", "yaml-syntax")]
    assert sorted(p.name for p in out.iterdir()) == [f"{p.stem}.md" for p in rendered]
    for p in rendered:
        assert (out / f"{p.stem}.md").read_bytes() == (tmp_path / "serial" / f"{p.stem}.md").read_bytes()
    assert (out / "p0000.md").read_text(encoding="utf-8") == EXAMPLES[0].with_suffix(".md").read_text(
        encoding="utf-8")  # an untouched copy renders as its example does
    lines = parallel.stderr.splitlines()  # each file reported in input order: rendered, or refused with its problem
    assert named(lines) == list(examples_batch)
    assert [line for line in lines if "rendered to" in line] == [f"{p}: rendered to {out / p.stem}.md"
                                                                 for p in rendered]
