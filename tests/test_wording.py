"""A person reads an answer by its place and question, and its value as the label the wizard showed."""

import pytest

from apm_designer.rules.engine import Answer, Text
from apm_designer.wording import answer, for_people, place, value


@pytest.mark.parametrize(("path", "said"), [
    ("element_1.authority", "Element 1 · Testing authority"),
    ("element_1.cehrt.share_of_clinicians", "Element 1 · Share of clinicians required to use CEHRT"),
    ("element_6.measures[0].evidence_basis", "Element 6 · Quality measure 1 · Evidence basis"),
    ("payment.lines_of_business[1].arrangements[0].type",
     "Payment · Line of business 2 · Payment arrangement 1 · Arrangement"),
    ("metadata.performance_year", "Overview · Performance year"),
    ("design_factors.department_goals.rating", "Design factors · Factor 1 · Rating"),
    ("element_3", "Element 3. Rationale"),
    ("payment", "Payment arrangements"),
])
def test_place_names_the_step_the_entries_and_the_question(path, said):
    assert place(path) == said


def test_values_read_as_labels_yes_no_and_numbers_with_units():
    assert value("element_1.authority", "section_1115a") == "CMS Innovation Center model (SSA section 1115A)"
    assert value("element_1.cehrt.required", False) == "No"
    assert value("element_1.cehrt.share_of_clinicians", 74.9999999) == "74.9999999%"
    assert value("element_1.intended_types", ["apm", "pfpm"]) == "APM; Physician-Focused Payment Model (PFPM)"


def test_an_explanation_for_people_has_no_path_and_no_code():
    text = Text(Answer("element_1.authority", "none"), ": not an APM; needs ", Answer("element_1.cehrt.required"))
    worded = for_people(text)
    assert worded == ("Element 1 · Testing authority is “No testing authority yet”: not an APM; needs "
                      "Element 1 · Model requires CEHRT use")
    assert "element_1" not in worded and "none" not in worded.split(":")[0]
    assert answer(Answer("element_1.cehrt.share_of_clinicians", 60)) == (
        "Element 1 · Share of clinicians required to use CEHRT is 60%")
    assert for_people("plain words") == "plain words"
