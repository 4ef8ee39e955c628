"""Consistency checks (label "consistency"): contradictions between answers that a reviewer would catch.

`not_met` is a warning naming the answers that contradict each other; `met` says the check found nothing (or does
not apply); `unknown` names what it still needs.
"""

from __future__ import annotations

from apm_designer.rules.engine import Answers, Outcome, rule
from apm_designer.rules.qpp import PAYERS

INTENDED = "element_1.intended_types"


@rule("CON-PFPM-MEDICARE", "consistency", "PFPM intended with Medicare among the payers",
      "42 CFR 414.1465(a)(1); CMS APM Design Toolkit, elements 1 and 5")
def pfpm_medicare(answers: Answers) -> Outcome:
    if "pfpm" not in answers.get(INTENDED, []):
        return Outcome("met", "does not apply: no PFPM intended")
    payers = answers[PAYERS]
    if not isinstance(payers, list):
        return Outcome("unknown", f"needs {PAYERS}: a PFPM must have Medicare as a payer", (PAYERS,))
    if "medicare" in payers:
        return Outcome("met", f"a PFPM is intended and {PAYERS} includes medicare")
    return Outcome("not_met", f"{INTENDED} includes pfpm, but {PAYERS} ({', '.join(payers)}) does not include "
                   "medicare: a PFPM must have Medicare as a payer", (PAYERS, INTENDED))
