"""Answers survive the wizard's save exactly: load a file, change answers, save, load again (hypothesis).

The file is edited in place the way the wizard saves an opened proposal (`ProposalFile.save`): a hand-written
file, the same with CRLF line endings, with a byte order mark, and a file apm-designer wrote. Every answer the
save did not change must load back equal, and the changed one as typed; a CRLF file keeps CRLF on every line and a
file with a BOM keeps it, and the second save finds no "changed on disk" (it compares like with like). A file
apm-designer writes whole, and a draft, load back with the answers written too.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import FUZZ, QUESTIONS, answers, proposals
from test_wizard_drafts import HAND_WRITTEN

from apm_designer.document import dumps, load, loads
from apm_designer.drafts import ProposalFile, read_draft, write_draft
from apm_designer.wizard import get, set_answer
from proposals import complete

BASES = {
    "hand-written": HAND_WRITTEN.encode(),
    "crlf": HAND_WRITTEN.replace("\n", "\r\n").encode(),
    "bom": b"\xef\xbb\xbf" + HAND_WRITTEN.encode(),
    "ours": dumps(complete()).encode(),
}


def same(a: Any, b: Any) -> bool:
    """Equal answers, types included (1 is not 1.0 nor true), in any key order."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# Half the answers replace one the file gives, in the proposer's style (quoted, folded, ...): the riskier edit
ANSWERED = [f for f in QUESTIONS if get(loads(HAND_WRITTEN).data, f.path) is not None]
ANSWER = st.one_of(answers(), answers(questions=ANSWERED))


@FUZZ
@given(base=st.sampled_from(sorted(BASES)), first=ANSWER, second=ANSWER)
def test_answers_load_back_as_typed_after_each_save(tmp_path_factory: pytest.TempPathFactory, base: str,
                                                    first: tuple, second: tuple) -> None:
    path = tmp_path_factory.mktemp("rt") / "p.yaml"
    path.write_bytes(BASES[base])
    file, doc = ProposalFile.open(path)
    data = doc.data
    for answer_path, value in (first, second):
        set_answer(data, answer_path, value)
        file.save(data)  # the second save: no "changed on disk" from our own first save
        assert same(load(path).data, data), (answer_path, value)
    raw = path.read_bytes()
    if base == "crlf":
        assert raw.count(b"\n") == raw.count(b"\r\n")
    assert raw.startswith(b"\xef\xbb\xbf") == (base == "bom")


@FUZZ
@given(data=proposals(typed=True))
def test_a_new_file_and_a_draft_load_back_with_the_answers_written(tmp_path_factory: pytest.TempPathFactory,
                                                                   data: dict) -> None:
    folder = tmp_path_factory.mktemp("new")
    ProposalFile(folder / "p.yaml").save(data)  # a file apm-designer writes whole (document.dumps)
    assert same(load(folder / "p.yaml").data, data)
    write_draft(folder / ".p.yaml.apm-draft.yaml", folder / "p.yaml", data)
    draft = read_draft(folder / ".p.yaml.apm-draft.yaml")
    assert draft is not None and same(draft.data, data)
