"""Never lose work, without a terminal: in-place edits of existing files, drafts, recent files, the session."""

from __future__ import annotations

import copy
import difflib
import os
import time
from pathlib import Path

import pytest

from apm_designer import drafts
from apm_designer.document import dumps, loads
from apm_designer.drafts import ChangedOnDisk, ProposalFile, Session, edit_in_place
from apm_designer.wizard import Questionnaire

# Written by hand, the way a proposer might: comments, quoting, a folded block, a list with the dash indented,
# a long line, text that YAML 1.1 would read as a boolean or a date.
HAND_WRITTEN = """\
# yaml-language-server: $schema=../schemas/proposal.schema.json
# Our proposal for the 2026 cycle.
schema_version: 1
metadata:
  title: "Rural Oncology Episodes"   # working title
  organisation: Valley Oncology Associates
  performance_year: 2026
  status: draft
  version: '0.3'
  date: 2026-01-15
element_1:
  intended_types:
    - apm
    - pfpm
  authority: section_1115a
  authority_rationale: >-
    Episode payments for chemotherapy need Innovation Center authority, with waivers of the
    beneficiary cost-sharing rules for the enhanced services payment.
  financial_risk:
    type: two_sided
    percent_at_risk: 3.50
  targeted_services:
    clinicians_influence: true
    description: LONG_LINE

# Scale: still to confirm with the state.
element_4:
  beneficiaries: 12000
""".replace("LONG_LINE", "Six-month chemotherapy episodes, in a state abbreviated NO on purpose, which is a long line "
                        "that goes on well past one hundred characters.")


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_unchanged_answers_give_back_the_file_byte_for_byte():
    data = loads(HAND_WRITTEN).data
    assert edit_in_place(HAND_WRITTEN, data) == HAND_WRITTEN


def test_editing_one_answer_changes_only_its_line():
    data = loads(HAND_WRITTEN).data
    data["element_1"]["financial_risk"]["percent_at_risk"] = 8
    out = edit_in_place(HAND_WRITTEN, data)
    assert changed_lines(HAND_WRITTEN, out) == ["-    percent_at_risk: 3.50", "+    percent_at_risk: 8"]
    assert loads(out).data == data


def test_new_answers_go_where_the_schema_puts_them_and_removed_ones_go():
    data = loads(HAND_WRITTEN).data
    data["metadata"]["contact"] = {"name": "Dr. Ada Reyes", "email": "ada@valley.example"}
    data["element_1"]["intended_types"].append("advanced_apm")
    del data["metadata"]["version"]
    data["element_3"] = {"model_design": "Line one.\nLine two."}
    out = edit_in_place(HAND_WRITTEN, data)
    assert changed_lines(HAND_WRITTEN, out) == [
        "+  contact:", "+    name: Dr. Ada Reyes", "+    email: ada@valley.example",
        "-  version: '0.3'",
        "+    - advanced_apm",
        "+element_3:", "+  model_design: |-", "+    Line one.", "+    Line two.",
    ]
    assert loads(out).data == data
    assert "# working title" in out and "# Scale: still to confirm" in out


def test_text_that_yaml_11_would_misread_stays_text():
    data = loads(HAND_WRITTEN).data
    assert data["metadata"]["date"] == "2026-01-15"
    data["metadata"]["title"] = "NO"
    data["metadata"]["organisation"] = "2024-01-01"
    out = edit_in_place(HAND_WRITTEN, data)
    assert loads(out).data == data
    assert "  date: 2026-01-15\n" in out  # untouched, not re-quoted


def test_a_file_written_by_apm_designer_round_trips(tmp_path):
    data = {"schema_version": 1, "metadata": {"title": "T", "status": "draft"},
            "element_6": {"measures": [{"name": "A", "type": "outcome"}, {"name": "B", "type": "process"}]},
            "element_2": {"care_delivery_changes": "trailing space \nthen more"}}
    text = dumps(data)
    edited = copy.deepcopy(loads(text).data)
    edited["element_6"]["measures"][1]["identifier"] = "CBE 0059"
    out = edit_in_place(text, edited)
    assert changed_lines(text, out) == ["+    identifier: CBE 0059"]


def test_saving_without_edits_leaves_the_file_untouched(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    os.utime(path, (1_000_000, 1_000_000))
    session = Session.edit(path)
    session.save()
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN
    assert path.stat().st_mtime == 1_000_000


def test_a_file_changed_by_someone_else_is_not_silently_overwritten(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    session = Session.edit(path)
    session.questionnaire.set(("element_4", "beneficiaries"), 13000)
    path.write_text(HAND_WRITTEN.replace("12000", "15000"), encoding="utf-8")
    with pytest.raises(ChangedOnDisk):
        session.save()
    assert "15000" in path.read_text(encoding="utf-8")
    session.save(overwrite=True)
    assert loads(path.read_text(encoding="utf-8")).data["element_4"]["beneficiaries"] == 13000


def test_a_new_file_gets_the_modeline_and_the_house_style(tmp_path):
    session = Session.new(tmp_path / "new.yaml")
    session.questionnaire.set(("metadata", "title"), "T")
    session.save()
    text = (tmp_path / "new.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert text.split("\n", 1)[1] == dumps({"schema_version": 1, "metadata": {"title": "T"}})


def test_every_change_goes_to_a_draft_beside_the_file_until_saved(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    session = Session.edit(path)
    session.questionnaire.set(("element_4", "beneficiaries"), 99)
    session.autosave()
    draft = tmp_path / ".p.yaml.apm-draft.yaml"
    assert session.draft_path == draft
    assert loads(draft.read_text(encoding="utf-8")).data["element_4"]["beneficiaries"] == 99
    reopened = Session.edit(path)
    assert reopened.offered_draft is not None
    assert reopened.offered_draft.data["element_4"]["beneficiaries"] == 99
    reopened.restore(reopened.offered_draft)
    assert reopened.questionnaire.answer(("element_4", "beneficiaries")) == 99 and reopened.dirty
    reopened.save()
    assert not draft.exists()
    assert Session.edit(path).offered_draft is None


def test_a_draft_older_than_the_file_is_not_offered(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    drafts.write_draft(drafts.draft_path_for(path), path, {"metadata": {"title": "old"}})
    past = time.time() - 60
    os.utime(drafts.draft_path_for(path), (past, past))
    assert Session.edit(path).offered_draft is None


def test_a_new_proposal_drafts_in_the_state_folder_and_is_offered_to_resume(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    session = Session.new()
    session.questionnaire.set(("metadata", "title"), "Unnamed idea")
    session.autosave()
    assert session.draft_path.parent == tmp_path / "state" / "apm-designer" / "drafts"
    [found] = drafts.unsaved_drafts()
    assert found.title == "Unnamed idea" and found.target is None
    resumed = Session.resume(found)
    assert resumed.questionnaire.answer(("metadata", "title")) == "Unnamed idea" and resumed.dirty
    resumed.save(tmp_path / "named.yaml")
    assert drafts.unsaved_drafts() == []
    assert drafts.recent_files() == [(tmp_path / "named.yaml").resolve()]


def test_recent_files_most_recent_first_and_only_existing(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    for p in (a, b):
        p.write_text("metadata: {title: x}\n", encoding="utf-8")
    drafts.remember(a)
    drafts.remember(b)
    drafts.remember(a)
    assert drafts.recent_files() == [a.resolve(), b.resolve()]
    b.unlink()
    assert drafts.recent_files() == [a.resolve()]


def test_a_damaged_draft_is_ignored(tmp_path):
    bad = tmp_path / ".p.yaml.apm-draft.yaml"
    bad.write_text(drafts.DRAFT_MARK + "(a new proposal)\nmetadata: [unclosed\n", encoding="utf-8")
    assert drafts.read_draft(bad) is None


def test_the_state_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert drafts.state_dir() == tmp_path / "apm-designer"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert drafts.state_dir() == Path.home() / ".local" / "state" / "apm-designer"


def test_file_and_draft_agree_on_types(tmp_path):
    path = tmp_path / "p.yaml"
    file = ProposalFile(path)
    file.save({"metadata": {"title": "T", "performance_year": 2025}})
    q = Questionnaire(loads(path.read_text(encoding="utf-8")).data)
    assert not q.dirty


@pytest.mark.parametrize("answer", [
    "\tfirst line indented with a tab\nsecond", "escape \x1b[2J, DEL \x7f, NUL \x00, CSI \x9b\nsecond",
    "next line\x85line separator\u2028paragraph\u2029end", "CR inside\r\nand at the end\r", "\n\tstarts with a break",
    "byte order mark \ufeff\ninside",
], ids=["tab-first", "control", "unicode-breaks", "cr", "break-tab", "bom"])
def test_an_edited_answer_loads_back_exactly_as_typed(answer):
    data = loads(HAND_WRITTEN).data
    data["element_1"]["authority_rationale"] = answer
    data["metadata"]["title"] = answer.replace("\n", " ")
    out = edit_in_place(HAND_WRITTEN, data)
    assert loads(out).data == data


def test_a_crlf_file_keeps_crlf_on_every_line_it_writes(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(HAND_WRITTEN.replace("\n", "\r\n").encode())
    session = Session.edit(path)
    session.questionnaire.set(("element_4", "beneficiaries"), 13000)
    session.questionnaire.set(("element_3", "model_design"), "Two lines\nof design")
    session.save()
    raw = path.read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") and b"  model_design: |-\r\n    Two lines\r\n" in raw
    assert loads(raw.decode()).data["element_4"]["beneficiaries"] == 13000


def test_a_byte_order_mark_is_kept_and_is_no_change_on_disk(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + HAND_WRITTEN.encode())
    session = Session.edit(path)
    session.questionnaire.set(("element_4", "beneficiaries"), 13000)
    session.save()  # no ChangedOnDisk: the file is what was opened
    session.questionnaire.set(("element_4", "beneficiaries"), 14000)
    session.save(overwrite=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf# yaml-language-server")
    assert b"beneficiaries: 14000" in path.read_bytes()


def test_a_state_folder_that_cannot_be_written_does_not_stop_a_save(tmp_path, monkeypatch):
    state = tmp_path / "state"
    state.write_text("a file where the state folder should be")  # nothing can be made under it
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    session = Session.new()
    session.questionnaire.set(("metadata", "title"), "T")
    saved = session.save(tmp_path / "p.yaml")
    assert loads(saved.read_text(encoding="utf-8")).data["metadata"]["title"] == "T"
