"""Hostile proposals through every command and output format: nothing a proposal holds can forge a GitHub
workflow command or reach the terminal as a control sequence, nothing crashes, and an internal error, a broken
pipe or a tiny total each end with the exit code that says what happened.

GitHub runs a line of a job's log as a workflow command when it starts with `::` once leading blanks are trimmed,
and, in its older form, when it holds `##[` anywhere (actions/runner, src/Runner.Common/ActionCommand.cs: TryParseV2
and TryParse); the runner reads lines ending at CR or LF.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import FUZZ, hostile_text, proposals

from apm_designer.cli import main
from apm_designer.document import dumps
from apm_designer.metrics import compute, format_table
from apm_designer.problems import inert, json_text
from apm_designer.render import render_markdown
from proposals import complete, minimal

FORGED = "::error file=README.md,line=1::forged"
TITLE = f"Evil\n{FORGED}\n::stop-commands::token\n##[error]legacy \x1b[2J\x9b31m\u202egnp.exe"
FILE_NAMES = [f"evil\n{FORGED}.yaml", "##[error]x.yaml", "esc\x1b[2J.yaml", "100%0A, a:b.yaml", "plain.yaml"]
RUNS = [("validate", "text"), ("validate", "json"), ("validate", "github"), ("evaluate", "text"),
        ("evaluate", "json"), ("evaluate", "github"), ("metrics", "text"), ("metrics", "json"), ("metrics", "csv"),
        ("render", None)]


def run_commands(log: str) -> list[str]:
    """The lines of `log` that GitHub's runner would take for workflow commands."""
    return [line for line in re.split(r"\r\n|\r|\n", log) if line.lstrip().startswith("::") or "##[" in line]


def unescape_property(value: str) -> str:
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, char)
    return value


def assert_inert(log: str, files: list[str], annotations: bool, markdown: bool = False) -> None:
    """Only our own annotations, on the files checked, are workflow commands; no control character is printed
    (in rendered Markdown, format characters such as a bidi override are the renderer's business: only C0 and C1
    controls count)."""
    for line in run_commands(log):
        m = re.fullmatch(r"::(error|warning) ([^:]*)::(.*)", line)
        assert annotations and m is not None, f"forged workflow command: {line!r}"
        props = dict(p.split("=", 1) for p in m.group(2).split(","))
        # The file as given, or with its control characters shown escaped; a `##[` in it starts no command, as
        # the line is read as the `::` command it starts with
        assert unescape_property(props["file"]) in [*files, *(inert(f, markers=False) for f in files)], line
    shown = [c for c in log if c != "\n" and not c.isprintable() and unicodedata.category(c) != "Zs"
             and (unicodedata.category(c) == "Cc" or not markdown)]
    assert not shown, f"control characters printed: {shown!r}"


def hostile_tree(folder: Path) -> list[str]:
    data = complete(metadata__title=TITLE, element_3__model_design=TITLE)
    data["element_9\n::error::unknown key"] = TITLE
    files = []
    for name in FILE_NAMES:
        (folder / name).write_text(dumps(data), encoding="utf-8")
        files.append(str(folder / name))
    return files


@pytest.mark.parametrize(("command", "fmt"), RUNS)
def test_a_hostile_proposal_and_file_name_forge_nothing_in_any_output(tmp_path: Path, command: str,
                                                                      fmt: str | None) -> None:
    files = hostile_tree(tmp_path)
    args = [command, *(["--format", fmt] if fmt else ["--allow-invalid", "-o", str(tmp_path / "out")]), *files]
    r = subprocess.run([sys.executable, "-m", "apm_designer", *args], capture_output=True, text=True,
                       timeout=120, encoding="utf-8")
    assert r.returncode == 1 or (command == "render" and r.returncode == 0), r.stderr
    assert_inert(r.stdout + r.stderr, files, annotations=fmt == "github")
    if fmt == "json":
        report = json.loads(r.stdout)
        assert [f["path"] for f in report["files"]] == files  # exact, yet inert in the log


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_diff_of_hostile_versions_and_file_names_forges_nothing(tmp_path: Path, fmt: str) -> None:
    """Valid hostile versions (compared) and invalid ones (their problems reported), under hostile file names."""
    (tmp_path / "old.yaml").write_text(dumps(complete()), encoding="utf-8")
    files = hostile_tree(tmp_path)
    for name in FILE_NAMES[:3]:
        (tmp_path / f"valid {name}").write_text(dumps(complete(metadata__title=TITLE, element_3__model_design=TITLE)),
                                                encoding="utf-8")
    for new, code in [*((f, 1) for f in files), *((str(tmp_path / f"valid {n}"), 0) for n in FILE_NAMES[:3])]:
        r = subprocess.run([sys.executable, "-m", "apm_designer", "diff", "--format", fmt, str(tmp_path / "old.yaml"),
                            new], capture_output=True, text=True, timeout=120, encoding="utf-8")
        assert r.returncode == code, r.stderr
        assert_inert(r.stdout + r.stderr, [], annotations=False, markdown=fmt == "markdown")
        if fmt == "json" and code == 0:
            assert json.loads(r.stdout)["new"]["path"] == new  # exact, yet inert in the log


def test_the_rendered_markdown_forges_nothing_when_a_log_shows_it(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(dumps(minimal(metadata__title=TITLE, element_3__model_design=TITLE)))
    r = subprocess.run([sys.executable, "-m", "apm_designer", "render", "p.yaml"], capture_output=True, text=True,
                       cwd=tmp_path, timeout=120)
    assert r.returncode == 0 and "forged" in r.stdout
    assert_inert(r.stdout + r.stderr, [], annotations=False, markdown=True)


def in_process(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue() + err.getvalue()


@FUZZ
@given(data=proposals(), name=st.sampled_from(FILE_NAMES), title=hostile_text())
def test_any_answers_in_every_output_format_end_in_a_report_never_a_crash(tmp_path_factory: pytest.TempPathFactory,
                                                                          data: dict, name: str, title: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    data["metadata"]["title"] = title
    path = folder / name
    path.write_text(dumps(data), encoding="utf-8")
    for command, fmt in RUNS:
        extra = ["--format", fmt] if fmt else ["--allow-invalid", "-o", str(folder / "out")]
        code, log = in_process(command, *extra, str(path))
        assert code in (0, 1), (command, fmt, log)
        assert_inert(log, [str(path)], annotations=fmt == "github")
    before = folder / "before.yaml"
    before.write_text(dumps(complete()), encoding="utf-8")
    for fmt in ("text", "markdown", "json"):
        code, log = in_process("diff", "--format", fmt, str(before), str(path))
        assert code in (0, 1), ("diff", fmt, log)
        assert_inert(log, [], annotations=False, markdown=fmt == "markdown")


@FUZZ
@given(data=proposals())
def test_the_renderer_and_the_metrics_take_any_answers_given_directly(data: dict) -> None:
    # As the wizard's review gives them, without the loader's limits (numbers beyond a float's range, too)
    markdown = render_markdown(data, banner="draft")
    mix = compute(data)
    assert markdown.startswith("#") and json.loads(json_text(mix.as_json())) is not None
    assert_inert(format_table(mix), [], annotations=False)


def test_a_broken_pipe_does_not_hide_a_failure(tmp_path: Path) -> None:
    # Enough problems to fill the pipe long before the end: the reader (`head -1`) has gone by then
    (tmp_path / "a.yaml").write_text(dumps(minimal()) + "".join(f"unknown_{i}: x\n" for i in range(3000)))
    with subprocess.Popen([sys.executable, "-m", "apm_designer", "validate", "a.yaml"], cwd=tmp_path,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        assert p.stdout is not None and p.stderr is not None
        first = p.stdout.readline()
        p.stdout.close()
        err = p.stderr.read()
        code = p.wait(timeout=120)
    assert "unknown field 'unknown_0'" in first
    assert code == 1 and err == ""


@pytest.mark.parametrize("args", [["new", "--list"], ["new", "--from"], ["rules"]])
def test_a_reader_that_stops_early_is_no_internal_error(tmp_path: Path, args: list[str]) -> None:
    """The listings that are not checks (the CMS models, the rules) end as they would have, not with exit 3 and
    'internal error: BrokenPipeError' (`apm-designer new --list | head -1`)."""
    with subprocess.Popen([sys.executable, "-m", "apm_designer", *args], cwd=tmp_path, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as p:
        assert p.stdout is not None and p.stderr is not None
        first = p.stdout.readline()
        p.stdout.close()
        err = p.stderr.read()
        code = p.wait(timeout=120)
    assert first.strip() and (code, err) == (0, "")


def test_an_internal_error_has_its_own_exit_code_and_one_line(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(dumps(complete()))
    # A bug, put in the evaluator for this run: what a user sees of one is what matters here
    bug = ("import sys, apm_designer.rules.engine as engine\n"
           "def broken(self, answers): raise ZeroDivisionError('division by zero')\n"
           "engine.Rule.run = broken\n"
           "from apm_designer.cli import main\n"
           "sys.exit(main(['evaluate', 'p.yaml']))\n")
    r = subprocess.run([sys.executable, "-c", bug], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 3
    assert r.stderr.splitlines() == [
        "apm-designer: internal error: ZeroDivisionError: division by zero; this is a bug in apm-designer, not a "
        "problem with your proposal: please report it with the command and the file (APM_DESIGNER_TRACEBACK=1 "
        "shows the details)"]


@pytest.mark.parametrize("total", [1e-20, 5e-324, 1e-300])
def test_a_tiny_total_gives_metrics_and_a_rendering_not_a_crash(tmp_path: Path, total: float) -> None:
    data = complete()
    data["payment"]["lines_of_business"][0]["total_dollars"] = total
    (tmp_path / "p.yaml").write_text(dumps(data))
    for args in (["metrics", "p.yaml"], ["metrics", "--format", "json", "p.yaml"], ["render", "p.yaml"]):
        r = subprocess.run([sys.executable, "-m", "apm_designer", *args], capture_output=True, text=True,
                           cwd=tmp_path, timeout=120)
        assert r.returncode == 0 and r.stderr == "", (args, r.stderr)
    assert "%" in r.stdout
