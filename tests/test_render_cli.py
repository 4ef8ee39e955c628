"""`apm-designer render` through the real CLI, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "proposals" / "examples"
ACO = EXAMPLES / "two-sided-aco.yaml"
DRAFT = EXAMPLES / "draft-rural-telehealth.yaml"


def cli(*args: str, cwd: Path = ROOT, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run([sys.executable, "-m", "apm_designer", "render", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def committed(example: Path) -> str:
    return example.with_suffix(".md").read_text(encoding="utf-8")


def broken_copy(tmp_path: Path, old: str, new: str, name: str = "broken.yaml") -> tuple[Path, int, int]:
    """A copy of the two-sided ACO example with `old` replaced by `new`; returns where `new` starts (line, col)."""
    text = ACO.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    before = text[: text.index(new)]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, before.count("\n") + 1, len(before) - before.rfind("\n")


def h2(markdown: str) -> list[str]:
    tokens = MarkdownIt("gfm-like").parse(markdown)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]


def test_one_proposal_to_stdout() -> None:
    result = cli(str(ACO))
    assert result.returncode == 0, result.stderr
    assert result.stdout == committed(ACO)
    assert result.stderr == ""


def test_one_proposal_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "aco.md"
    result = cli(str(ACO), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == committed(ACO)
    assert not [p for p in out.parent.iterdir() if p.name != "aco.md"]  # no temporary file left behind


def test_one_proposal_into_an_existing_folder(tmp_path: Path) -> None:
    result = cli(str(DRAFT), "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "draft-rural-telehealth.md").read_text(encoding="utf-8") == committed(DRAFT)


def test_many_proposals_into_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "rendered"
    result = cli("proposals/examples", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    yamls = sorted(EXAMPLES.glob("*.yaml"))
    assert sorted(p.name for p in out.iterdir()) == sorted(p.stem + ".md" for p in yamls)
    for example in yamls:
        assert (out / f"{example.stem}.md").read_text(encoding="utf-8") == committed(example)


def test_many_proposals_need_a_folder(tmp_path: Path) -> None:
    result = cli(str(ACO), str(DRAFT))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "give -o FOLDER" in result.stderr
    existing = tmp_path / "file.md"
    existing.write_text("keep me", encoding="utf-8")
    result = cli(str(ACO), str(DRAFT), "-o", str(existing))
    assert result.returncode == 2
    assert "needs a folder" in result.stderr
    assert existing.read_text(encoding="utf-8") == "keep me"


def test_an_invalid_proposal_is_refused_with_its_located_problem(tmp_path: Path) -> None:
    path, line, col = broken_copy(tmp_path, "performance_year: 2025", "performance_year: next year")
    col += len("performance_year: ")
    out = tmp_path / "out.md"
    result = cli(str(path), "-o", str(out))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"{path}:{line}:{col}: error: metadata.performance_year: expected a whole number")
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_unloadable_yaml_is_refused_even_with_allow_invalid(tmp_path: Path) -> None:
    path, _, _ = broken_copy(tmp_path, "  status: final", "  status: [final")
    result = cli(str(path), "--allow-invalid")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"{path}:")
    assert "invalid YAML" in result.stderr and "Traceback" not in result.stderr


def test_allow_invalid_renders_with_a_banner_listing_the_problems(tmp_path: Path) -> None:
    path, _, _ = broken_copy(tmp_path, "performance_year: 2025", "performance_year: next year")
    result = cli(str(path), "--allow-invalid")
    assert result.returncode == 0, result.stderr
    [problem] = result.stderr.splitlines()
    tokens = MarkdownIt("gfm-like").parse(result.stdout)
    assert [t.type for t in tokens[:4]] == ["heading_open", "inline", "heading_close", "blockquote_open"]
    end = next(i for i, t in enumerate(tokens) if t.type == "blockquote_close")
    banner = [t.content for t in tokens[4:end] if t.type == "inline"]
    assert banner[0].startswith("[!WARNING]\nThis proposal does not validate (1 problem)")
    # the problem at the answer's place and line, as the reader of the document says it (stderr has the path)
    message = "expected a whole number, got text 'next year'"
    assert problem.endswith(f": error: metadata.performance_year: {message} [type]")
    assert [b.replace("\\", "") for b in banner[1:]] == [
        f"Overview · Performance year (line {problem.split(':')[1]}): {message}"]
    assert h2(result.stdout) == h2(committed(ACO))


def test_allow_invalid_with_unknown_codes_still_renders(tmp_path: Path) -> None:
    path, _, _ = broken_copy(tmp_path, "authority: section_1115a", "authority: section_9999")
    path.write_text(path.read_text(encoding="utf-8").replace("  - pfpm\n", "  - pfpm\n  - super_apm\n", 1),
                    encoding="utf-8")
    result = cli(str(path), "--allow-invalid")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    problems = result.stderr.splitlines()
    assert len(problems) >= 2 and all(p.startswith(f"{path}:") and ": error: " in p for p in problems)
    tokens = MarkdownIt("gfm-like").parse(result.stdout)
    answer = next(t for t in tokens if t.type == "inline" and t.content.startswith("**Testing authority:**"))
    assert "".join(c.content for c in answer.children or []).endswith(": section_9999")  # as given, no label


def test_a_batch_renders_the_valid_and_refuses_the_invalid(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "good.yaml").write_text(ACO.read_text(encoding="utf-8"), encoding="utf-8")
    broken_copy(source, "performance_year: 2025", "performance_year: -1", name="bad.yaml")
    out = tmp_path / "out"
    result = cli(str(source), "-o", str(out))
    assert result.returncode == 1
    assert sorted(p.name for p in out.iterdir()) == ["good.md"]
    assert "bad.yaml:" in result.stderr and "below the minimum" in result.stderr


def test_a_missing_file_is_an_io_error(tmp_path: Path) -> None:
    result = cli(str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "no such file" in result.stderr and result.stdout == ""


def test_rendering_is_deterministic_across_runs_and_hash_seeds() -> None:
    first, second = cli(str(DRAFT), seed="0"), cli(str(DRAFT), seed="4242")
    assert first.returncode == second.returncode == 0
    assert first.stdout.encode() == second.stdout.encode() == committed(DRAFT).encode()
