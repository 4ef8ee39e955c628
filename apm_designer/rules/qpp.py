"""The Quality Payment Program classifications: APM, Advanced APM, PFPM and MIPS APM (42 CFR Part 414, subpart O).

Each rule checks one criterion and names the answers that decided it; `verdicts` combines the findings with
three-valued logic (yes / no / undetermined). The Advanced APM financial-risk criterion is met by any one of four
paths, each its own rule: the generally applicable nominal amount (revenue- or benchmark-based), the Medical Home
Model standard, a Medical Home Model expanded under section 1115A(c), and full capitation. What changed from one
performance year to another (thresholds, and criteria added or dropped) comes from data/thresholds.yaml, each row
checked against the regulation text; a finding resting on a row that could not be checked says so.

Every explanation is a `Text` whose answers are `Answer` parts, so it reads as CI's paths and codes or, through
`apm_designer.wording.for_people`, as the proposal's questions and labels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from apm_designer.rules.engine import MISSING, Answer, Answers, Finding, Outcome, Text, Verdict, rule
from apm_designer.rules.thresholds import YEAR, Threshold, performance_year, threshold

AUTHORITY = "element_1.authority"
CEHRT_REQUIRED = "element_1.cehrt.required"
CEHRT_SHARE = "element_1.cehrt.share_of_clinicians"
CEHRT_REWARD = "element_1.cehrt.penalty_or_reward_for_use"
RISK_TYPE = "element_1.financial_risk.type"
RISK_BASIS = "element_1.financial_risk.basis"
RISK_PERCENT = "element_1.financial_risk.percent_at_risk"
RISK_MECHANISMS = "element_1.financial_risk.mechanisms"
MEDICAL_HOME = "element_1.medical_home"
MH_PRIMARY_CARE = "element_1.medical_home.primary_care_focus"
MH_EMPANELMENT = "element_1.medical_home.empanelment"
MH_FEATURES = "element_1.medical_home.features"
MH_CLINICIANS = "element_1.medical_home.parent_organization_clinicians"
MH_LIST_CLINICIANS = "element_1.medical_home.participation_list_clinicians"
MH_EXPANDED = "element_1.medical_home.expanded_under_1115a_c"
CORE_ROLE = "element_1.clinicians.core_role"
TARGETED = "element_1.targeted_services.clinicians_influence"
PAYERS = "element_5.payers"
CLINICIANS = "element_4.eligible_clinicians"
QUALITY_PAYMENT = "element_6.payment_based_on_quality"
MEASURES = "element_6.measures"
NO_OUTCOME_WHY = "element_6.no_outcome_measure_justification"

# 42 CFR 414.1305 "Alternative Payment Model" (42 U.S.C. 1395l(z)(3)(C)): the authorities that make a model an APM.
APM_AUTHORITIES = {
    "section_1115a": "a CMS Innovation Center model under section 1115A",
    "shared_savings_program": "the Medicare Shared Savings Program (section 1899)",
    "section_1866c": "a Health Care Quality Demonstration Program demonstration (section 1866C)",
    "federal_demonstration": "a demonstration required by federal law",
}
AUTHORITIES = (*APM_AUTHORITIES, "health_care_innovation_award", "other_payer_only", "none")
RISK_TYPES = ("none", "upside_only", "two_sided", "full_capitation")
BASES = ("revenue", "benchmark")
OUTCOME_TYPES = ("outcome", "intermediate_outcome", "patient_reported_outcome")
GENERAL_MECHANISMS = ("withhold", "payment_rate_reduction", "payment_owed")  # 414.1415(c)(1); not (c)(2)'s fourth
MH_MIN_FEATURES = 4  # 42 CFR 414.1305 "Medical Home Model": at least four of its seven elements
# The financial-risk paths, in the order a verdict names the one that met it (full capitation is also met by the
# general rule, but is its own path).
RISK_PATHS = ("AAPM-RISK-CAPITATION", "AAPM-RISK-MH-EXPANDED", "AAPM-RISK-GENERAL", "AAPM-RISK-MEDICAL-HOME")
QUALITY_RULES = ("AAPM-QUALITY-PAYMENT", "AAPM-QUALITY-EVIDENCE", "AAPM-QUALITY-OUTCOME")
PFPM_RULES = ("PFPM-MEDICARE", "PFPM-CORE-ROLE", "PFPM-TARGETED")
MIPS_RULES = ("MIPS-AGREEMENT", "MIPS-PARTICIPANTS", "MIPS-INCENTIVES")


# ----------------------------------------------------------------------------------------------------- helpers


# An answer of the wrong type counts as unanswered. Only the wizard can ask for that (it evaluates as you type);
# the CLI evaluates schema-valid files only.


def number(value: Any) -> float | None:
    """A numeric answer the rules can use, or None: booleans are not numbers here, and neither is a number no float
    can hold (infinity, NaN, an integer of 10**309 or more), which no threshold can be compared with or taken from."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return value if math.isfinite(value) else None
    except OverflowError:  # an integer too large for a float
        return None


def choice(answers: Answers, path: str, options: tuple[str, ...]) -> Any:
    """The answer at `path` if it is one of `options`, else MISSING."""
    value = answers[path]
    return value if isinstance(value, str) and value in options else MISSING


def strings(answers: Answers, path: str) -> Any:
    """The text items of the list answer at `path`, or MISSING when there are none."""
    value = answers[path]
    items = tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()
    return items or MISSING


def pct(value: float | None) -> str:
    return "" if value is None else f"{value:g}%"


def points(margin: float) -> str:
    return f"{abs(margin):.4g} percentage point{'s' * (abs(margin) != 1)}"


def names(paths: Iterable[str]) -> Text:
    """The answers at `paths`, named one after another: "a, b, c"."""
    return Text(", ").join(Answer(p) for p in paths)


def needs(answers: Answers, *paths: str, why: str = "") -> Outcome:
    """unknown: the answers at `paths` that are missing, or, when all are given, that none is in a form the rules can
    use (a number too large or not finite, an option the schema does not have)."""
    missing = answers.missing(*paths)
    if missing:
        said = Text("needs ", names(missing))
    else:
        missing = paths
        said = Text("needs ", names(paths), " as an answer the rules can use (a finite number, or one of its options)")
    return Outcome("unknown", Text(said, ": ", why) if why else said, missing)


def _row(t: Threshold) -> str:
    """The regulation paragraph and the Federal Register page of the rule that set the value."""
    return f"{t.citation}; {t.set_by.split(' (')[0]}"


def unverified(t: Threshold) -> Text:
    """What a finding adds when its value rests on a row not verified against the regulation text."""
    if t.is_verified:
        return Text()
    return Text(f"; unverified: the {t.years} value of {t.citation} could not be read in the regulation text, so "
                "the last value read is used (apm-designer rules says why)")


def compare(answers: Answers, path: str, key: str, what: str, fields: tuple[str, ...]) -> Outcome:
    """met when the answer at `path` reaches the year's threshold `key`; the margin says by how much either way.

    Compared exactly, never rounded: 74.9999999 is short of 75, and the answer is shown as given."""
    year = performance_year(answers)
    t = threshold(key, year.table_year)
    value = number(answers[path])
    if value is None or t.value is None:
        return needs(answers, path)
    margin = value - t.value
    given = Answer(path, answers[path])
    if value >= t.value:
        return Outcome("met", Text(given, f", which reaches the {pct(t.value)} {what} for {year.year} ({_row(t)})",
                                   year.clause(), unverified(t)), fields, margin, not t.is_verified)
    return Outcome("not_met", Text(given, f", which is below the {pct(t.value)} {what} for {year.year} ({_row(t)}), "
                                          f"{points(margin)} short", year.clause(), unverified(t)),
                   fields, margin, not t.is_verified)


def _all(outcomes: list[Outcome], met: str) -> Outcome:
    """Three-valued AND of partial checks: not_met if any fails, else unknown if any is unknown, else met."""
    failed = [o for o in outcomes if o.status == "not_met"]
    if failed:
        # A margin says how far the path is from being met only when it is the one thing missing.
        return Outcome("not_met", Text("; ").join(o.explanation for o in failed), _paths(failed),
                       failed[0].margin if len(failed) == 1 else None, any(o.unverified for o in failed))
    unknown = [o for o in outcomes if o.status == "unknown"]
    if unknown:
        return Outcome("unknown", Text("; ").join(o.explanation for o in unknown), _paths(unknown),
                       unverified=any(o.unverified for o in unknown), pending=all(o.pending for o in unknown))
    return Outcome("met", met, _paths(outcomes), min((o.margin for o in outcomes if o.margin is not None),
                                                       default=None), any(o.unverified for o in outcomes))


def _paths(outcomes: list[Outcome]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for o in outcomes for p in o.fields))


def _flag(answers: Answers, path: str, yes: str, no: str) -> Outcome:
    value = answers[path]
    if value is True:
        return Outcome("met", Text(Answer(path, True), f": {yes}"), (path,))
    if value is False:
        return Outcome("not_met", Text(Answer(path, False), f": {no}"), (path,))
    return needs(answers, path)


def _name(measure: Mapping[str, Any]) -> str:
    name = measure.get("name")
    return name if isinstance(name, str) and name else "the measure"


# ----------------------------------------------------------------------------------------------------- APM


@rule("APM-AUTHORITY", "apm", "Tested under an authority that makes it an APM",
      "42 CFR 414.1305 (Alternative Payment Model); 42 U.S.C. 1395l(z)(3)(C)")
def apm_authority(answers: Answers) -> Outcome:
    authority = choice(answers, AUTHORITY, AUTHORITIES)
    if authority is MISSING:
        return needs(answers, AUTHORITY, why="the authority the model would be tested under")
    given = Answer(AUTHORITY, authority)
    if authority in APM_AUTHORITIES:
        return Outcome("met", Text(given, f": {APM_AUTHORITIES[authority]} is an APM"), (AUTHORITY,))
    would = ("testing it under section 1115A, the Shared Savings Program, section 1866C or a demonstration required "
             "by federal law would make it one")
    if authority == "health_care_innovation_award":
        return Outcome("not_met", Text(given, ": Health Care Innovation Awards are excluded from the APM definition "
                                       "though made under section 1115A; testing it as a section 1115A model would "
                                       "make it an APM"), (AUTHORITY,))
    if authority == "other_payer_only":
        return Outcome("not_met", Text(given, ": with no Medicare testing authority it is not an APM (it may be an "
                                       f"Other Payer Advanced APM, 42 CFR 414.1420); {would}"), (AUTHORITY,))
    return Outcome("not_met", Text(given, f": no testing authority, so not an APM; {would}"), (AUTHORITY,))


# ----------------------------------------------------------------------------------------------------- Advanced APM


@rule("AAPM-CEHRT", "advanced_apm", "Requires enough clinicians to use certified EHR technology",
      "42 CFR 414.1415(a)(1)")
def cehrt(answers: Answers) -> Outcome:
    year = performance_year(answers)
    route = threshold("ssp_cehrt_penalty_or_reward", year.table_year)
    claims_route = answers[AUTHORITY] == "shared_savings_program" and answers[CEHRT_REWARD] is True
    claimed = Text(Answer(AUTHORITY, "shared_savings_program"), " and ", Answer(CEHRT_REWARD, True))
    if claims_route and route.value:
        return Outcome("met", Text(claimed, f": in {year.year} a penalty or reward tied to the degree of CEHRT use "
                                   f"meets the criterion for the Shared Savings Program ({_row(route)})",
                                   year.clause()), (CEHRT_REWARD, AUTHORITY, YEAR))
    share = _cehrt_share(answers)
    if not claims_route or share.status == "met":
        return share
    closed = Text(claimed, f", but in {year.year} that no longer meets the criterion: the penalty-or-reward route "
                  f"applies only to QP Performance Periods before {route.first}, and from then the Shared Savings "
                  f"Program must meet the share test like any APM ({_row(route)})", year.clause())
    return Outcome(share.status, Text(closed, "; ", share.explanation), (*share.fields, CEHRT_REWARD, YEAR),
                   share.margin, share.unverified)


def _cehrt_share(answers: Answers) -> Outcome:
    """414.1415(a)(1)(i): the model requires the year's share of eligible clinicians in each APM Entity to use CEHRT."""
    required = answers[CEHRT_REQUIRED]
    if required is False:
        return Outcome("not_met", Text(Answer(CEHRT_REQUIRED, False), ": the model does not require CEHRT use"),
                       (CEHRT_REQUIRED,))
    if required is not True:
        return needs(answers, CEHRT_REQUIRED)
    return compare(answers, CEHRT_SHARE, "cehrt_share", "of eligible clinicians using CEHRT required",
                   (CEHRT_SHARE, CEHRT_REQUIRED, YEAR))


@rule("AAPM-QUALITY-PAYMENT", "advanced_apm", "Pays on quality measure results", "42 CFR 414.1415(b)(1)")
def quality_payment(answers: Answers) -> Outcome:
    return _flag(answers, QUALITY_PAYMENT, "quality measure results are a factor in payment",
                 "quality measure results are not a factor in payment")


def _measures(answers: Answers) -> list[tuple[int, Mapping[str, Any]]]:
    measures = answers.get(MEASURES, [])
    return [(i, m) for i, m in enumerate(measures) if isinstance(m, Mapping)] if isinstance(measures, list) else []


def _basis(i: int) -> str:
    return f"{MEASURES}[{i}].evidence_basis"


def _type(i: int) -> str:
    return f"{MEASURES}[{i}].type"


@rule("AAPM-QUALITY-EVIDENCE", "advanced_apm", "At least one evidence-based, reliable and valid measure",
      "42 CFR 414.1415(b)(2)")
def quality_evidence(answers: Answers) -> Outcome:
    measures = _measures(answers)
    if not measures:
        return needs(answers, MEASURES, why="the quality measures the model pays on")
    year = performance_year(answers)
    accepted = threshold("quality_evidence_bases", year.table_year)
    for i, m in measures:
        if m.get("evidence_basis") in accepted.value:
            return Outcome("met", Text(Answer(_basis(i), m["evidence_basis"]), f": {_name(m)} is evidence-based, "
                                       f"reliable and valid for {year.year} ({_row(accepted)})", year.clause()),
                           (_basis(i), YEAR))
    unanswered = tuple(_basis(i) for i, m in measures if not m.get("evidence_basis"))
    if unanswered:
        return needs(answers, *unanswered, why=f"no measure is yet shown to meet {accepted.citation} for {year.year}")
    given = Text("; ").join(Answer(_basis(i), m["evidence_basis"]) for i, m in measures)
    return Outcome("not_met", Text(f"no measure has an evidence basis that {accepted.citation} accepts for "
                                   f"{year.year} ({_row(accepted)}): ", given, year.clause()),
                   (*(_basis(i) for i, _ in measures), YEAR))


@rule("AAPM-QUALITY-OUTCOME", "advanced_apm", "Includes an outcome measure (or CMS finds none applicable)",
      "42 CFR 414.1415(b)(3)")
def quality_outcome(answers: Answers) -> Outcome:
    measures = _measures(answers)
    if not measures:
        return needs(answers, MEASURES, why="the quality measures the model pays on")
    year = performance_year(answers)
    strict = threshold("outcome_measure_meets_evidence_test", year.table_year)
    accepted = threshold("quality_evidence_bases", year.table_year)
    outcomes = [(i, m) for i, m in measures if m.get("type") in OUTCOME_TYPES]
    for i, m in outcomes:
        kind = Answer(_type(i), m["type"])
        if not strict.value:
            return Outcome("met", Text(kind, f": {_name(m)} is an outcome measure"), (_type(i),))
        if m.get("evidence_basis") in accepted.value:
            return Outcome("met", Text(kind, " and ", Answer(_basis(i), m["evidence_basis"]), f": {_name(m)} is an "
                                       f"outcome measure that itself meets {accepted.citation}, as an outcome measure "
                                       f"must in {year.year} ({_row(strict)})", year.clause()),
                           (_type(i), _basis(i), YEAR))
    if outcomes:  # outcome measures, none of which meets (b)(2), as it must from 2020
        why = f"in {year.year} the outcome measure must itself meet {accepted.citation} ({_row(strict)})"
        unanswered = tuple(_basis(i) for i, m in outcomes if not m.get("evidence_basis"))
        if unanswered:
            return needs(answers, *unanswered, why=why)
        given = Text("; ").join(Answer(_basis(i), m["evidence_basis"]) for i, m in outcomes)
        return Outcome("not_met", Text("no outcome measure meets the evidence test: ", given, f"; {why}",
                                       year.clause()),
                       (*(p for i, _ in outcomes for p in (_type(i), _basis(i))), YEAR))
    if answers.has(NO_OUTCOME_WHY):
        # The exception is CMS's to make (for the APM's first QP Performance Period), not the proposer's.
        return Outcome("unknown", Text("no outcome measure; ", Answer(NO_OUTCOME_WHY), " says none is available or "
                                       "applicable, but only CMS can determine that there is no available or "
                                       "applicable outcome measure on the MIPS list for the APM's first QP "
                                       "Performance Period: undetermined, pending CMS's determination"),
                       (NO_OUTCOME_WHY,), pending=True)
    untyped = tuple(_type(i) for i, m in measures if not m.get("type"))
    if untyped:
        return Outcome("unknown", Text("needs ", names(untyped), ": no outcome measure among the typed ones"),
                       (*untyped, NO_OUTCOME_WHY))
    return Outcome("not_met", Text(f"none of the {len(measures)} measures in ", Answer(MEASURES), " is an outcome "
                                   "measure, and the answers give no reason to expect CMS to find none applicable (",
                                   Answer(NO_OUTCOME_WHY), " is not answered)"), (MEASURES, NO_OUTCOME_WHY))


def medical_home_model(answers: Answers) -> Outcome:
    """Whether the answers describe a Medical Home Model as 42 CFR 414.1305 defines one."""
    if not answers.has(MEDICAL_HOME):
        return Outcome("not_met", Text("not described as a Medical Home Model (", Answer(MEDICAL_HOME),
                                       " is not answered; answer it for a primary-care model)"), (MEDICAL_HOME,))
    checks = []
    authority = choice(answers, AUTHORITY, AUTHORITIES)
    if authority is MISSING:
        checks.append(needs(answers, AUTHORITY))
    elif authority != "section_1115a":
        checks.append(Outcome("not_met", Text(Answer(AUTHORITY, authority), ": a Medical Home Model is an APM under "
                                              "section 1115A"), (AUTHORITY,)))
    checks.append(_flag(answers, MH_PRIMARY_CARE, "primary-care focus", "no primary-care focus"))
    checks.append(_flag(answers, MH_EMPANELMENT, "patients are empanelled to a primary clinician",
                        "patients are not empanelled to a primary clinician"))
    features = strings(answers, MH_FEATURES)
    if features is MISSING:
        checks.append(needs(answers, MH_FEATURES))
    elif len(features) < MH_MIN_FEATURES:
        checks.append(Outcome("not_met", Text(Answer(MH_FEATURES), f" lists {len(features)} of the {MH_MIN_FEATURES} "
                                              "or more medical home features required"), (MH_FEATURES,)))
    else:
        checks.append(Outcome("met", Text(Answer(MH_FEATURES), f" lists {len(features)} features"), (MH_FEATURES,)))
    count = 0 if features is MISSING else len(features)
    return _all(checks, Text(f"a section 1115A primary-care model with empanelment and {count} medical home features"))


@rule("AAPM-MEDICAL-HOME-MODEL", "advanced_apm", "Is a Medical Home Model (for the Medical Home paths)",
      "42 CFR 414.1305 (Medical Home Model)")
def medical_home(answers: Answers) -> Outcome:
    return medical_home_model(answers)


@rule("AAPM-RISK-GENERAL", "advanced_apm", "Financial risk: generally applicable nominal amount standard",
      "42 CFR 414.1415(c)(1), (c)(3)")
def risk_general(answers: Answers) -> Outcome:
    kind = choice(answers, RISK_TYPE, RISK_TYPES)
    if kind is MISSING:
        return needs(answers, RISK_TYPE)
    given = Answer(RISK_TYPE, kind)
    if kind == "full_capitation":
        return Outcome("met", Text(given, ": the APM Entity bears all the risk, more than any nominal amount (the "
                                   "capitation path, 42 CFR 414.1415(c)(6))"), (RISK_TYPE,))
    if kind == "none":
        return Outcome("not_met", Text(given, ": the APM Entity bears no financial risk"), (RISK_TYPE,))
    if kind == "upside_only":
        return Outcome("not_met", Text(given, ": shared savings without losses never meets the generally applicable "
                                       "standard, whatever the percent"), (RISK_TYPE,))
    mechanisms = strings(answers, RISK_MECHANISMS)
    if mechanisms is not MISSING and not any(m in GENERAL_MECHANISMS for m in mechanisms):
        return Outcome("not_met", Text(Answer(RISK_MECHANISMS, list(mechanisms)), ": only the loss of an otherwise "
                                       "guaranteed payment, which counts only under the Medical Home Model standard; "
                                       "this one needs a withhold, a payment rate cut, or a payment owed"),
                       (RISK_MECHANISMS,))
    basis = choice(answers, RISK_BASIS, BASES)
    if basis is MISSING or number(answers[RISK_PERCENT]) is None:
        return needs(answers, RISK_BASIS, RISK_PERCENT, why="the nominal amount is a share of revenue or of the "
                     "benchmark")
    if basis == "revenue":
        return compare(answers, RISK_PERCENT, "revenue_nominal_amount", "revenue-based nominal amount",
                       (RISK_PERCENT, RISK_BASIS, YEAR))
    return compare(answers, RISK_PERCENT, "benchmark_nominal_amount", "benchmark-based nominal amount",
                   (RISK_PERCENT, RISK_BASIS, YEAR))


@rule("AAPM-RISK-MEDICAL-HOME", "advanced_apm", "Financial risk: Medical Home Model standard",
      "42 CFR 414.1415(c)(2), (c)(4), (c)(7)")
def risk_medical_home(answers: Answers) -> Outcome:
    model = medical_home_model(answers)
    if model.status != "met":
        return Outcome(model.status, Text("not a Medical Home Model: ", model.explanation)
                       if model.status == "not_met" else model.explanation, model.fields)
    checks = [_medical_home_size(answers)]
    kind = choice(answers, RISK_TYPE, RISK_TYPES)
    if kind is MISSING:
        checks.append(needs(answers, RISK_TYPE))
    elif kind in ("none", "upside_only"):
        checks.append(Outcome("not_met", Text(Answer(RISK_TYPE, kind), ": nothing is withheld, cut, owed or lost when "
                                              "expenditures exceed (or performance falls below) what was expected"),
                              (RISK_TYPE,)))
    basis = choice(answers, RISK_BASIS, BASES)
    if basis == "benchmark":
        checks.append(Outcome("not_met", Text(Answer(RISK_BASIS, basis), ": the Medical Home Model nominal amount is "
                                              "a share of the APM Entity's Medicare Parts A and B revenue; state the "
                                              "amount at risk as a share of revenue"), (RISK_BASIS,)))
    elif basis is MISSING or number(answers[RISK_PERCENT]) is None:
        checks.append(needs(answers, RISK_BASIS, RISK_PERCENT))
    else:
        checks.append(compare(answers, RISK_PERCENT, "medical_home_nominal_amount",
                              "Medical Home Model nominal amount of revenue", (RISK_PERCENT, RISK_BASIS, YEAR)))
    return _all(checks, Text("a Medical Home Model whose ", Text("; ").join(o.explanation for o in checks)))


def _medical_home_size(answers: Answers) -> Outcome:
    """414.1415(c)(7): from 2018 the standard is only for small APM Entities; what it counts changed in 2023."""
    year = performance_year(answers)
    limit = threshold("medical_home_max_clinicians", year.table_year)
    if limit.value is None:
        return Outcome("met", Text(f"no size limit in {year.year} ({_row(limit)})", year.clause()), (YEAR,))
    path, counted = limit.asks, limit.counts  # the question the year asks, and what it counts
    count = number(answers[path])
    if count is None:
        why = Text(f"in {year.year} the standard applies only where {counted} has {limit.value} or fewer eligible "
                   f"clinicians ({_row(limit)})", year.clause())
        for other in (p for p in (MH_CLINICIANS, MH_LIST_CLINICIANS) if p != path and answers.has(p)):
            why += Text("; ", Answer(other), f" does not count in {year.year}")
        return needs(answers, path, why=why)
    given = Answer(path, answers[path])
    if count > limit.value:
        return Outcome("not_met", Text(given, f": over the {limit.value} eligible clinicians the standard allows "
                                              f"{counted} in {year.year}, so it must meet the generally applicable "
                                              f"standard instead ({_row(limit)})", year.clause(), unverified(limit)),
                       (path, YEAR), unverified=not limit.is_verified)
    return Outcome("met", Text(given, f", within the {limit.value} the standard allows {counted} in {year.year}",
                               unverified(limit)), (path, YEAR), unverified=not limit.is_verified)


@rule("AAPM-RISK-MH-EXPANDED", "advanced_apm", "Financial risk: Medical Home Model expanded under section 1115A(c)",
      "42 U.S.C. 1395l(z)(3)(D)(ii)(II); 42 CFR 414.1415(c)")
def risk_mh_expanded(answers: Answers) -> Outcome:
    expanded = answers[MH_EXPANDED]
    if expanded is not True:
        # A proposal describes a model not yet tested, so an unanswered question counts as "not expanded".
        said = Answer(MH_EXPANDED, False) if expanded is False else Text(Answer(MH_EXPANDED), " is not answered")
        return Outcome("not_met", Text(said, ": not a Medical Home Model expanded under section 1115A(c)"),
                       (MH_EXPANDED,))
    model = medical_home_model(answers)
    if model.status == "met":
        return Outcome("met", Text(Answer(MH_EXPANDED, True), " and ", model.explanation, ": an expanded Medical Home "
                                   "Model meets the financial risk criterion outright"), (MH_EXPANDED, *model.fields))
    reason = Text(Answer(MH_EXPANDED, True), ", but expansion counts only for a Medical Home Model: ",
                  model.explanation)
    return Outcome(model.status, reason, (MH_EXPANDED, *model.fields))


@rule("AAPM-RISK-CAPITATION", "advanced_apm", "Financial risk: full capitation", "42 CFR 414.1415(c)(6)")
def risk_capitation(answers: Answers) -> Outcome:
    kind = choice(answers, RISK_TYPE, RISK_TYPES)
    if kind is MISSING:
        return needs(answers, RISK_TYPE)
    if kind == "full_capitation":
        return Outcome("met", Text(Answer(RISK_TYPE, kind), ": a full capitation arrangement meets the financial risk "
                                   "criterion"), (RISK_TYPE,))
    return Outcome("not_met", Text(Answer(RISK_TYPE, kind), ": not full capitation"), (RISK_TYPE,))


# ----------------------------------------------------------------------------------------------------- PFPM


@rule("PFPM-MEDICARE", "pfpm", "Medicare is a payer", "42 CFR 414.1465(a)(1)")
def pfpm_medicare(answers: Answers) -> Outcome:
    payers = strings(answers, PAYERS)
    if payers is MISSING:
        return needs(answers, PAYERS)
    if "medicare" in payers:
        return Outcome("met", Text(Answer(PAYERS, list(payers)), ": Medicare is a payer"), (PAYERS,))
    return Outcome("not_met", Text(Answer(PAYERS, list(payers)), ": Medicare is not among the payers"), (PAYERS,))


@rule("PFPM-CORE-ROLE", "pfpm", "Eligible clinicians play a core role", "42 CFR 414.1465(a)(2)")
def pfpm_core_role(answers: Answers) -> Outcome:
    return _flag(answers, CORE_ROLE, "participating eligible clinicians play a core role in implementing the "
                 "payment methodology", "participating eligible clinicians play no core role in implementing the "
                 "payment methodology")


@rule("PFPM-TARGETED", "pfpm", "Targets services clinicians provide, order or influence", "42 CFR 414.1465(a)(3)")
def pfpm_targeted(answers: Answers) -> Outcome:
    return _flag(answers, TARGETED, "it targets the quality and costs of services participating clinicians provide, "
                 "order, or can significantly influence", "it does not target services participating clinicians "
                 "provide, order, or can significantly influence")


# ----------------------------------------------------------------------------------------------------- MIPS APM

MIPS_CITATION = "42 CFR 414.1367(b) (414.1370(b) for 2017–2020)"


@rule("MIPS-AGREEMENT", "mips_apm", "APM Entities take part under an agreement with CMS or by law", MIPS_CITATION)
def mips_agreement(answers: Answers) -> Outcome:
    authority = choice(answers, AUTHORITY, AUTHORITIES)
    if authority is MISSING:
        return needs(answers, AUTHORITY)
    if authority in APM_AUTHORITIES:
        how = "by law" if authority == "federal_demonstration" else "under an agreement with CMS"
        return Outcome("met", Text(Answer(AUTHORITY, authority), f": APM Entities take part {how}"), (AUTHORITY,))
    return Outcome("not_met", Text(Answer(AUTHORITY, authority), ": not a CMS APM, so no participation agreement with "
                                   "CMS"), (AUTHORITY,))


@rule("MIPS-PARTICIPANTS", "mips_apm", "At least one MIPS eligible clinician on a participation list",
      "42 CFR 414.1370(b)(2); not a criterion under 414.1367(b)")
def mips_participants(answers: Answers) -> Outcome:
    year = performance_year(answers)
    criterion = threshold("mips_participation_list_criterion", year.table_year)
    if not criterion.value:
        return Outcome("met", Text(f"the participation list is not a criterion in {year.year}: from "
                                   f"{criterion.first} a MIPS APM has two criteria, an agreement with CMS (or a law "
                                   "or regulation) and payment based on quality measures and cost/utilization "
                                   f"({_row(criterion)})", year.clause()),
                       (YEAR,))
    count = number(answers[CLINICIANS])
    if count is None:
        return needs(answers, CLINICIANS, why=f"in {year.year} a MIPS APM includes at least one MIPS eligible "
                     f"clinician on a Participation List ({_row(criterion)})")
    if count >= 1:
        return Outcome("met", Text(Answer(CLINICIANS, answers[CLINICIANS]), ": eligible clinicians on the "
                                   "participation list"), (CLINICIANS, YEAR))
    return Outcome("not_met", Text(Answer(CLINICIANS, answers[CLINICIANS]), f": no eligible clinician on a "
                                   f"participation list, which a MIPS APM needs in {year.year} ({_row(criterion)})"),
                   (CLINICIANS, YEAR))


@rule("MIPS-INCENTIVES", "mips_apm", "Pays on cost/utilization and quality performance", MIPS_CITATION)
def mips_incentives(answers: Answers) -> Outcome:
    checks = [_flag(answers, QUALITY_PAYMENT, "payment depends on quality performance",
                    "payment does not depend on quality performance")]
    kind = choice(answers, RISK_TYPE, RISK_TYPES)
    if kind is MISSING:
        checks.append(needs(answers, RISK_TYPE))
    elif kind == "none":
        checks.append(Outcome("not_met", Text(Answer(RISK_TYPE, kind), ": no incentive tied to cost or utilization"),
                              (RISK_TYPE,)))
    else:
        checks.append(Outcome("met", Text(Answer(RISK_TYPE, kind), ": payment depends on cost performance"),
                              (RISK_TYPE,)))
    return _all(checks, Text("payment depends on both cost and quality performance"))


# ----------------------------------------------------------------------------------------------------- verdicts


def _part(f: Finding) -> Verdict:
    value = {"met": "yes", "not_met": "no", "unknown": "undetermined"}[f.status]
    wanted = f.fields if f.status == "unknown" and not f.pending else ()
    return Verdict(f.label, value, f.explanation, wanted, (f.rule_id,), unverified=f.unverified)


def _and(label: str, parts: list[Verdict], yes: str) -> Verdict:
    """Three-valued AND: no if any part is no, else undetermined if any is, else yes."""
    for value in ("no", "undetermined"):
        hit = [p for p in parts if p.value == value]
        if hit:
            wanted = tuple(dict.fromkeys(n for p in hit for n in p.needs))
            reason = Text("needs ", names(wanted)) if wanted else Text("; ").join(dict.fromkeys(p.reason for p in hit))
            return Verdict(label, value, reason, wanted, tuple(dict.fromkeys(r for p in hit for r in p.rule_ids)),
                           unverified=any(p.unverified for p in hit))
    return Verdict(label, "yes", Text(yes), (), tuple(dict.fromkeys(r for p in parts for r in p.rule_ids)),
                   unverified=any(p.unverified for p in parts))


def _risk(findings: Mapping[str, Finding]) -> Verdict:
    """Three-valued OR over the financial-risk paths, saying which path met it or which came closest."""
    paths = [findings[i] for i in RISK_PATHS]
    met = [f for f in paths if f.status == "met"]
    if met:
        best = met[0]
        return Verdict("advanced_apm", "yes", Text(f"financial risk criterion via the {_path_name(best)}: ",
                                                   best.explanation), (), (best.rule_id,), unverified=best.unverified)
    unknown = [f for f in paths if f.status == "unknown"]
    if unknown:
        wanted = tuple(dict.fromkeys(p for f in unknown for p in f.fields))
        return Verdict("advanced_apm", "undetermined", Text("financial risk needs ", names(wanted)), wanted,
                       tuple(f.rule_id for f in unknown), unverified=any(f.unverified for f in unknown))
    return Verdict("advanced_apm", "no", Text("financial risk: no path is met; ", closest(paths)), (),
                   tuple(f.rule_id for f in paths), unverified=any(f.unverified for f in paths))


def _path_name(f: Finding) -> str:
    return f.title.removeprefix("Financial risk: ")


def closest(paths: list[Finding]) -> Text:
    """Which failed financial-risk path came closest, and by how much it missed."""
    measured = [f for f in paths if f.margin is not None]
    if measured:
        best = max(measured, key=lambda f: f.margin or 0.0)
        return Text(f"closest was the {_path_name(best)}, missed by {points(best.margin or 0.0)}: ", best.explanation)
    general = next(f for f in paths if f.rule_id == "AAPM-RISK-GENERAL")
    return Text("the generally applicable standard: ", general.explanation)


def verdicts(findings: Mapping[str, Finding]) -> dict[str, Verdict]:
    """The APM, Advanced APM, PFPM and MIPS APM verdicts from the QPP findings."""
    apm = _part(findings["APM-AUTHORITY"])
    apm = Verdict("apm", apm.value, apm.reason, apm.needs, apm.rule_ids)
    not_apm = Verdict("", "no", Text("not an APM: ", apm.reason), (), apm.rule_ids) if apm.value == "no" else apm

    quality = _and("", [_part(findings[i]) for i in QUALITY_RULES], "pays on quality measures with an outcome measure")
    risk = _risk(findings)
    cehrt = _part(findings["AAPM-CEHRT"])
    advanced = _and("advanced_apm", [not_apm, cehrt, quality, risk], "")
    if advanced.value == "yes":
        advanced = Verdict("advanced_apm", "yes", Text("an APM that requires CEHRT use, pays on quality with an "
                                                       "outcome measure, and meets the ", risk.reason), (),
                           advanced.rule_ids, unverified=advanced.unverified)

    pfpm = _and("pfpm", [not_apm, *(_part(findings[i]) for i in PFPM_RULES)],
                "an APM with Medicare as a payer, in which eligible clinicians play a core role, targeting services "
                "they provide, order or can significantly influence")
    mips = _and("mips_apm", [not_apm, *(_part(findings[i]) for i in MIPS_RULES)],
                Text("APM Entities take part under an agreement with CMS (or by law) and are paid on cost and quality "
                     "performance; ", findings["MIPS-PARTICIPANTS"].explanation))
    return {"apm": apm, "advanced_apm": advanced, "pfpm": pfpm, "mips_apm": mips}
