"""An explanation is written once as a Text and read in two languages: CI's (paths and codes) and a person's."""

import copy
import json
import pickle

import pytest

from apm_designer.rules.engine import MISSING, Answer, Text, coded

AUTHORITY = "element_1.authority"


def test_the_string_is_the_ci_wording_with_each_answer_as_path_and_code():
    text = Text(Answer(AUTHORITY, "section_1115a"), ": an APM; needs ", Answer("element_4.eligible_clinicians"))
    assert text == "element_1.authority = section_1115a: an APM; needs element_4.eligible_clinicians"
    assert text.answers == (Answer(AUTHORITY, "section_1115a"), Answer("element_4.eligible_clinicians"))


def test_worded_says_each_answer_in_another_language_and_keeps_the_words():
    text = Text("the ", Answer(AUTHORITY, "none"), " gives no authority")
    assert text.worded(lambda a: f"<{a.path.split('.')[-1]}>") == "the <authority> gives no authority"


@pytest.mark.parametrize(("value", "said"), [
    (True, "true"), (False, "false"), (75, "75"), (75.0, "75"), (74.9999999, "74.9999999"), (2.5, "2.5"),
    (["a", "b"], "a, b"), ("two_sided", "two_sided"), (10**20 * 1.0, "1e+20"),
])
def test_a_value_is_coded_as_given_never_rounded(value, said):
    assert coded(value) == said


def test_joining_and_adding_keep_the_answers():
    a, b = Text(Answer("x.a", 1)), Text("and ", Answer("x.b"))
    joined = Text("; ").join([a, "plain", b])
    assert joined == "x.a = 1; plain; and x.b"
    assert joined.answers == (Answer("x.a", 1), Answer("x.b"))
    assert (a + "!").answers == ("!" + a).answers == (Answer("x.a", 1),)
    assert Text("; ").join([]) == "" and Text("; ").join([]).parts == ()


def test_only_strings_and_answers_make_a_text():
    with pytest.raises(TypeError, match="strings and Answers"):
        Text("a", 3)  # type: ignore[arg-type]


def test_copies_pickles_and_json_keep_it_whole():
    text = Text(Answer("x.a", 2.5), " of ", Answer("x.b"))
    for other in (copy.deepcopy(text), pickle.loads(pickle.dumps(text))):
        assert other == text and other.parts == text.parts and other.parts[-1].value is MISSING
    assert json.loads(json.dumps({"e": text})) == {"e": "x.a = 2.5 of x.b"}
