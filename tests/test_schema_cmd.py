"""`apm-designer schema`: the proposal schema for editors, and the path saved proposals point their modeline at."""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from apm_designer.document import save

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apm_designer", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_prints_the_proposal_schema():
    done = cli("schema")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    Draft202012Validator.check_schema(printed)
    assert printed == json.loads((ROOT / "schemas" / "proposal.schema.json").read_text(encoding="utf-8"))
    assert done.stdout.endswith("}\n")


def test_path_names_the_schema_file_it_prints(tmp_path):
    done = cli("schema", "--path", cwd=tmp_path)  # from anywhere, not only the checkout
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path.is_absolute() and path.is_file()
    assert path.read_text(encoding="utf-8") == cli("schema").stdout


def test_a_saved_proposal_points_its_modeline_at_that_schema(tmp_path):
    """What VS Code and Neovim read: the first line's $schema resolves, relative to the file, to `schema --path`."""
    target = tmp_path / "deep" / "model.yaml"
    target.parent.mkdir()
    save(target, {"metadata": {"title": "Model", "status": "draft"}})
    first = target.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    resolved = (target.parent / first.removeprefix(prefix)).resolve()
    assert resolved == Path(cli("schema", "--path").stdout.strip()).resolve()


def test_unknown_option_is_a_usage_error():
    done = cli("schema", "--bogus")
    assert done.returncode == 2
    assert "unrecognized arguments: --bogus" in done.stderr


def test_a_modeline_pointed_elsewhere_survives_the_wizard_saving_the_file(tmp_path):
    """docs/editors.md tells a shared repository to point the modeline at its own copy of the schema."""
    from apm_designer.drafts import ProposalFile

    target = tmp_path / "proposals" / "model.yaml"
    target.parent.mkdir()
    own = "# yaml-language-server: $schema=../schemas/proposal.schema.json\n"
    target.write_text(own + "metadata:\n  title: Model\n  status: draft\n", encoding="utf-8")
    file, doc = ProposalFile.open(target)
    file.save({**doc.data, "metadata": {**doc.data["metadata"], "title": "Renamed"}})
    assert target.read_text(encoding="utf-8") == own + "metadata:\n  title: Renamed\n  status: draft\n"


# ---------------------------------------------------------------------------------------------------- editors
# VS Code's YAML extension and Neovim's yamlls are both yaml-language-server: run the real one over LSP, as they do.


@pytest.fixture(scope="module")
def yaml_language_server() -> list[str]:
    """The command to start yaml-language-server, as `make test` installs it into the virtual environment (the
    tests install nothing themselves)."""
    if shutil.which("node") is None:
        pytest.skip("node is needed to run yaml-language-server, the editors' YAML server")
    server = Path(sys.prefix) / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
    if not server.exists():
        pytest.skip(f"yaml-language-server is not installed at {server}: `make test` installs it there with npm")
    return ["node", str(server), "--stdio"]


def diagnostics(server: list[str], workspace: Path, document: Path, schemas: dict[str, list[str]]) -> list[dict]:
    """The schema diagnostics yaml-language-server publishes for `document`, opened in `workspace`."""
    settings = {"yaml": {"validate": True, "schemaStore": {"enable": False}, "schemas": schemas}}
    process = subprocess.Popen(server, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdin is not None and process.stdout is not None

    def send(message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        process.stdin.flush()

    messages: queue.Queue[dict] = queue.Queue()

    def read() -> None:  # in a thread, so that a server that stays silent cannot hang the test
        while True:
            length = 0
            while (line := process.stdout.readline().strip()) != b"":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not length:
                return
            messages.put(json.loads(process.stdout.read(length)))

    threading.Thread(target=read, daemon=True).start()
    try:
        send({"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": workspace.as_uri(), "capabilities": {"workspace": {"configuration": True}},
            "workspaceFolders": [{"uri": workspace.as_uri(), "name": workspace.name}]}})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                message = messages.get(timeout=1)
            except queue.Empty:
                continue
            if message.get("id") == 1 and "result" in message:
                send({"method": "initialized", "params": {}})
                send({"method": "workspace/didChangeConfiguration", "params": {"settings": settings}})
                send({"method": "textDocument/didOpen", "params": {"textDocument": {
                    "uri": document.as_uri(), "languageId": "yaml", "version": 1,
                    "text": document.read_text(encoding="utf-8")}}})
            elif message.get("method") == "workspace/configuration":
                send({"id": message["id"], "result": [settings[i["section"]] if i.get("section") in settings
                                                      else None for i in message["params"]["items"]]})
            elif "id" in message and "method" in message:  # any other request of the server's: no answer needed
                send({"id": message["id"], "result": None})
            elif message.get("method") == "textDocument/publishDiagnostics" and message["params"]["diagnostics"]:
                return message["params"]["diagnostics"]
        raise AssertionError("yaml-language-server published no diagnostics within 60 s")
    finally:
        process.kill()
        process.wait()


BAD_ANSWERS = "metadata:\n  title: 3\n  status: draft\n  colour: blue\n"


def assert_schema_problems(found: list[dict], document: Path, schema: Path) -> None:
    """Both of BAD_ANSWERS' problems, on their lines, from `schema`."""
    lines = document.read_text(encoding="utf-8").splitlines()
    by_line = {lines[d["range"]["start"]["line"]].strip(): d["message"] for d in found}
    assert "Expected \"string\"" in by_line["title: 3"]
    assert "colour is not allowed" in by_line["colour: blue"]
    assert all(Path(d["data"]["schemaUri"][0].removeprefix("file://")) == schema for d in found)


def test_the_modeline_of_a_saved_proposal_brings_the_schema_to_the_editor(tmp_path, yaml_language_server):
    target = tmp_path / "proposals" / "model.yaml"
    target.parent.mkdir()
    save(target, {"metadata": {"title": "Model", "status": "draft"}})
    modeline = target.read_text(encoding="utf-8").splitlines()[0]
    target.write_text(modeline + "\n" + BAD_ANSWERS, encoding="utf-8")
    installed = Path(cli("schema", "--path").stdout.strip())
    assert_schema_problems(diagnostics(yaml_language_server, tmp_path, target, {}), target, installed)


def test_the_vs_code_setting_in_editors_md_brings_the_schema_to_the_editor(tmp_path, yaml_language_server):
    """The documented set-up, step by step: `apm-designer schema >` a copy, then the documented yaml.schemas."""
    from markdown_it import MarkdownIt

    doc = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    (settings,) = [json.loads(t.content) for t in MarkdownIt().parse(doc) if t.type == "fence" and t.info == "json"]
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "proposal.schema.json").write_text(cli("schema").stdout, encoding="utf-8")
    target = tmp_path / "proposals" / "examples" / "model.yml"
    target.parent.mkdir(parents=True)
    target.write_text(BAD_ANSWERS, encoding="utf-8")
    found = diagnostics(yaml_language_server, tmp_path, target, settings["yaml.schemas"])
    assert_schema_problems(found, target, tmp_path / "schemas" / "proposal.schema.json")
