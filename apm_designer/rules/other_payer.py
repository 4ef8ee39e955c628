"""Other Payer Advanced APMs (42 CFR 414.1420): each line of business other than Traditional Medicare, judged alone.

An Other Payer Advanced APM is a payment arrangement with a payer other than Medicare fee-for-service (Medicaid, a
Medicare Health Plan such as Medicare Advantage, a payer in a CMS Multi-Payer Model, or a commercial payer) that
counts toward Qualifying APM Participant status under the All-Payer Combination Option, from the 2019 QP
Performance Period. It must (b) require CEHRT use by enough clinicians, (c) pay on quality measures comparable to
MIPS's, with evidence-based measures and an outcome measure where an applicable one is on the MIPS list, and
(d) put the APM Entity at financial risk by one of four paths: the generally applicable standard (a nominal amount
*and* a marginal risk rate), the Medicaid or Aligned Other Payer Medical Home Model standard, a Medicaid Medical
Home Model comparable to an expanded one, or full capitation.

Each criterion is a rule of its own registry (`LINE_RULES`), run once per line over that line's answers
(`payment.lines_of_business[i].other_payer`). A line whose `same_as_medicare` answer is true takes any answer it
leaves out from the Medicare design (element 1 and element 6), and its findings name the Medicare answers they read.
`judge` gives each line's three-valued verdict, the path that met the risk criterion or the one that came closest,
and the findings behind it. Thresholds come from data/thresholds.yaml (keys `other_payer_*`), by performance year.

Two consistency checks compare each line's answers with its LAN arrangements and its dollars (label
"consistency", in the main registry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apm_designer.metrics import LINES, PaymentMix, compute, percent
from apm_designer.rules import qpp
from apm_designer.rules.consistency import DOWNSIDE, DOWNSIDE_ARRANGEMENTS
from apm_designer.rules.engine import MISSING, Answer, Answers, Finding, Outcome, Registry, Text, Verdict, rule
from apm_designer.rules.qpp import (
    BASES,
    GENERAL_MECHANISMS,
    MH_MIN_FEATURES,
    RISK_TYPES,
    _all,
    _and,
    _part,
    _row,
    names,
    number,
    pct,
    points,
    unverified,
)
from apm_designer.rules.thresholds import YEAR, Threshold, Year, performance_year, threshold

LABEL = "other_payer_advanced_apm"
NAME = "Other Payer Advanced APM"
SECTION = "42 CFR 414.1420"
# The payer types 42 CFR 414.1420(a) names, by the line of business that pays through them. Traditional Medicare
# is not another payer: its models are judged as (Medicare) Advanced APMs. The statute also leaves out payments by
# the Secretary of Defense or of Veterans Affairs, and Medicaid payments in a State whose program offers no medical
# home or APM (42 U.S.C. 1395l(z)(2)(B)(ii)(I)): no line of business here is the first, and a Medicaid line
# proposes such a model, so it cannot be the second.
PAYER_TYPES = {"medicaid": "a payment arrangement under title XIX (Medicaid)",
               "medicare_advantage": "a Medicare Health Plan payment arrangement (Medicare Advantage)",
               "commercial": "an arrangement with another (commercial) payer"}
SAME_AS_MEDICARE = "same_as_medicare"
# What a line that is the same as the Medicare design reads from it, answer by answer.
MEDICARE = {
    "cehrt_required": qpp.CEHRT_REQUIRED,
    "cehrt_share": qpp.CEHRT_SHARE,
    "payment_based_on_quality": qpp.QUALITY_PAYMENT,
    "risk_type": qpp.RISK_TYPE,
    "risk_basis": qpp.RISK_BASIS,
    "percent_at_risk": qpp.RISK_PERCENT,
    "risk_mechanisms": qpp.RISK_MECHANISMS,
    "medical_home_primary_care": qpp.MH_PRIMARY_CARE,
    "medical_home_empanelment": qpp.MH_EMPANELMENT,
    "medical_home_features": qpp.MH_FEATURES,
}
MEDICAL_HOME_ANSWERS = ("medical_home_primary_care", "medical_home_empanelment", "medical_home_features")
OUTCOMES = ("included", "none_applicable", "not_included")
# The financial-risk paths, in the order a verdict names the one that met it.
RISK_PATHS = ("OPAAPM-RISK-CAPITATION", "OPAAPM-RISK-MH-EXPANDED", "OPAAPM-RISK-GENERAL", "OPAAPM-RISK-MEDICAL-HOME")
QUALITY_RULES = ("OPAAPM-QUALITY-PAYMENT", "OPAAPM-QUALITY-EVIDENCE", "OPAAPM-QUALITY-OUTCOME")
MOSTLY = 50  # "mostly legacy": more than half of the line's dollars (a plain reading, not a regulatory threshold)

LINE_RULES = Registry()


# ----------------------------------------------------------------------------------------------------- a line


class LineAnswers(Answers):
    """The proposal's answers as one line of business sees them: its own `other_payer` answers, and the Medicare
    design's in their place when it is the same as the Medicare design."""

    __slots__ = ("index", "kind", "own", "path")

    def __init__(self, data: Mapping[str, Any], index: int, line: Mapping[str, Any]) -> None:
        super().__init__(data)
        self.index = index
        self.path = f"{LINES}[{index}]"
        self.kind = line.get("line_of_business")
        own = line.get("other_payer")
        self.own: Mapping[str, Any] = own if isinstance(own, Mapping) else {}

    @property
    def same_as_medicare(self) -> bool:
        return self.own.get(SAME_AS_MEDICARE) is True

    def at(self, name: str) -> str:
        return f"{self.path}.other_payer.{name}"

    def answer(self, name: str) -> tuple[str, Any]:
        """(the answer's path, its value): the line's own answer, else the Medicare design's when the line is the
        same as it and the design gives one, else the line's path and MISSING (the line's question is where to
        answer it)."""
        value = self.own.get(name)
        if value is not None and value != "" and value != []:
            return self.at(name), value
        if self.same_as_medicare and name in MEDICARE and self[MEDICARE[name]] is not MISSING:
            return MEDICARE[name], self[MEDICARE[name]]
        return self.at(name), MISSING

    def said(self, name: str) -> Text:
        """The answer `name` as an explanation names it (its path and value, or only its path when missing)."""
        return Text(Answer(*self.answer(name)))

    @property
    def line(self) -> Text:
        """Which line this is: its line-of-business answer."""
        return Text(Answer(f"{self.path}.line_of_business", self.kind))


def lines(answers: Answers) -> list[LineAnswers]:
    """The lines of business an Other Payer Advanced APM may be: every line but Traditional Medicare."""
    raw = answers[LINES]
    return [LineAnswers(answers.data, i, line) for i, line in enumerate(raw if isinstance(raw, list) else [])
            if isinstance(line, Mapping) and isinstance(line.get("line_of_business"), str)
            and line["line_of_business"] in PAYER_TYPES]


# ----------------------------------------------------------------------------------------------------- helpers


def _needs(*paths: str, why: str = "") -> Outcome:
    return Outcome("unknown", Text("needs ", names(paths), f": {why}" if why else ""), paths)


def _in_force(line: LineAnswers, key: str) -> tuple[Year, Threshold, Outcome | None]:
    """The year and the row of threshold `key`, with a not_met outcome when the year has no Other Payer Advanced
    APMs at all (before the All-Payer Combination Option)."""
    year = performance_year(line)
    option = threshold("other_payer_all_payer_option", year.table_year)
    if not option.value:
        return year, option, Outcome("not_met", Text(
            Answer(YEAR, year.year), f": no Other Payer Advanced APMs before the All-Payer Combination Option, whose "
            f"first QP Performance Period is 2019 ({_row(option)})", year.clause()), (YEAR,))
    return year, threshold(key, year.table_year), None


def _compare(line: LineAnswers, name: str, key: str, what: str) -> Outcome:
    """met when the line's answer `name` reaches the year's threshold `key`; the margin says by how much."""
    year, t, none = _in_force(line, key)
    if none:
        return none
    path, value = line.answer(name)
    given = number(value)
    if given is None:
        return _needs(path)
    margin = given - t.value  # compared exactly, never rounded: 74.9999999 is short of 75
    reached = ", which reaches" if margin >= 0 else ", which is below"
    short = "" if margin >= 0 else f", {points(margin)} short"
    return Outcome("met" if margin >= 0 else "not_met", Text(
        Answer(path, value), f"{reached} the {pct(t.value)} {what} for {year.year} ({_row(t)}){short}",
        year.clause(), unverified(t)), (path, YEAR), margin, not t.is_verified)


def _flag(line: LineAnswers, name: str, yes: str, no: str) -> Outcome:
    path, value = line.answer(name)
    if value is True:
        return Outcome("met", Text(Answer(path, True), f": {yes}"), (path,))
    if value is False:
        return Outcome("not_met", Text(Answer(path, False), f": {no}"), (path,))
    return _needs(path)


def _choice(line: LineAnswers, name: str, options: tuple[str, ...]) -> tuple[str, Any]:
    path, value = line.answer(name)
    return path, value if isinstance(value, str) and value in options else MISSING


def _risk_kind(line: LineAnswers) -> tuple[str, Any]:
    return _choice(line, "risk_type", RISK_TYPES)


# ----------------------------------------------------------------------------------------------------- (b) CEHRT


@LINE_RULES.rule("OPAAPM-CEHRT", LABEL, "CEHRT used by enough participants (and, from 2024, required)",
                 f"{SECTION}(b)")
def cehrt(line: LineAnswers) -> Outcome:
    # 414.1420(b)(1): CEHRT "must be used" by the year's share of participants in each APM Entity, required by the
    # arrangement or not (through 2024; the text states no share after it); (b)(2): from 2024 its use must also be a
    # requirement of participation. A line the same as the Medicare design reads the share its design requires.
    year, share, none = _in_force(line, "other_payer_cehrt_share")
    if none:
        return none
    required = threshold("other_payer_cehrt_required", year.table_year)
    checks = []
    if share.value is not None:
        checks.append(_compare(line, "cehrt_share", "other_payer_cehrt_share", "of participants using CEHRT"))
    if required.value:
        checks.append(_flag(line, "cehrt_required", f"CEHRT use is a requirement of participation, as {year.year} "
                            f"requires ({_row(required)})", f"from 2024 CEHRT use must be a requirement of "
                            f"participation ({_row(required)})"))
    return _all(checks, Text("; ").join(o.explanation for o in checks))


# ----------------------------------------------------------------------------------------------------- (c) quality


@LINE_RULES.rule("OPAAPM-QUALITY-PAYMENT", LABEL, "Pays on quality measures comparable to MIPS's", f"{SECTION}(c)(1)")
def quality_payment(line: LineAnswers) -> Outcome:
    return _flag(line, "payment_based_on_quality", "quality measures comparable to MIPS's are a factor in payment",
                 "quality measure results are not a factor in payment")


@LINE_RULES.rule("OPAAPM-QUALITY-EVIDENCE", LABEL, "At least one evidence-based, reliable and valid measure",
                 f"{SECTION}(c)(2)")
def quality_evidence(line: LineAnswers) -> Outcome:
    year = performance_year(line)
    accepted = threshold("other_payer_quality_evidence_bases", year.table_year)
    path, value = line.answer("measure_evidence")
    if isinstance(value, str) and value in accepted.value:
        return Outcome("met", Text(Answer(path, value), f": at least one measure is evidence-based, reliable and "
                                   f"valid for {year.year} ({_row(accepted)})", year.clause()), (path, YEAR))
    if isinstance(value, str) and value:
        return Outcome("not_met", Text(Answer(path, value), f": not an evidence basis {accepted.citation} accepts "
                                       f"for {year.year} ({_row(accepted)})", year.clause()), (path, YEAR))
    if line.same_as_medicare:
        return _medicare_measures(line, "evidence_basis", tuple(accepted.value), f"is evidence-based, reliable and "
                                  f"valid for {year.year} ({_row(accepted)})", f"no measure has an evidence basis "
                                  f"{accepted.citation} accepts for {year.year} ({_row(accepted)})")
    return _needs(path)


@LINE_RULES.rule("OPAAPM-QUALITY-OUTCOME", LABEL, "An outcome measure, where an applicable one is on the MIPS list",
                 f"{SECTION}(c)(3)")
def quality_outcome(line: LineAnswers) -> Outcome:
    path, value = _choice(line, "outcome_measure", OUTCOMES)
    if value == "included":
        return Outcome("met", Text(Answer(path, value), ": the arrangement pays on an outcome measure"), (path,))
    if value == "none_applicable":  # as for Medicare (414.1415(b)(3)), CMS's to find when it determines it
        return Outcome("unknown", Text(Answer(path, value), ": none is needed only if no applicable outcome measure "
                                       "is on the MIPS quality measure list, which CMS finds when it determines the "
                                       "arrangement: undetermined, pending CMS's determination"), (path,),
                       pending=True)
    if value == "not_included":
        return Outcome("not_met", Text(Answer(path, value), ": an applicable outcome measure is on the MIPS list, "
                                       "so the arrangement must pay on one"), (path,))
    if line.same_as_medicare and line.has(qpp.NO_OUTCOME_WHY):
        return Outcome("unknown", Text(Answer(line.at(SAME_AS_MEDICARE), True), ", and ", Answer(qpp.NO_OUTCOME_WHY),
                                       " says why no outcome measure applies, which CMS finds when it determines "
                                       "the arrangement: undetermined, pending CMS's determination"),
                       (qpp.NO_OUTCOME_WHY, line.at(SAME_AS_MEDICARE)), pending=True)
    if line.same_as_medicare:
        year = performance_year(line)
        evidenced = threshold("other_payer_outcome_measure_evidenced", year.table_year)
        if evidenced.value:  # from 2020 the outcome measure must itself meet (c)(2)(ii)
            accepted = threshold("other_payer_quality_evidence_bases", year.table_year)
            return _medicare_measures(line, "type", qpp.OUTCOME_TYPES, "is an outcome measure on the MIPS list, "
                                      "consensus-endorsed or determined by CMS", f"no outcome measure is itself on "
                                      f"the MIPS list, consensus-endorsed or determined by CMS, as {year.year} "
                                      f"requires ({_row(evidenced)}), and the Medicare design does not say why none "
                                      "applies", evidenced=tuple(accepted.value))
        return _medicare_measures(line, "type", qpp.OUTCOME_TYPES, "is an outcome measure",
                                  "no measure is an outcome measure, and the Medicare design does not say why none "
                                  "applies")
    return _needs(path)


def _medicare_measures(line: LineAnswers, key: str, accepted: tuple[str, ...], good: str, none: str,
                       evidenced: tuple[str, ...] = ()) -> Outcome:
    """A line the same as the Medicare design pays on element 6's measures: met by the first whose `key` answer is
    one of `accepted` (and, when `evidenced` names evidence bases, whose evidence basis is one of them), unknown
    while some measure leaves it unanswered, else not_met."""
    same = Text(Answer(line.at(SAME_AS_MEDICARE), True), ": ")
    measures = qpp._measures(line)
    if not measures:
        return _needs(qpp.MEASURES, line.at(SAME_AS_MEDICARE), why="the Medicare design's quality measures")
    for i, m in measures:
        if m.get(key) in accepted and (not evidenced or m.get("evidence_basis") in evidenced):
            path = f"{qpp.MEASURES}[{i}].{key}"
            return Outcome("met", Text(same, Answer(path, m[key]), f": the Medicare design's measure {good}"),
                           (path, line.at(SAME_AS_MEDICARE)))
    paths = tuple(f"{qpp.MEASURES}[{i}].{key}" for i, _ in measures)
    unanswered = tuple(p for p, (_, m) in zip(paths, measures, strict=True) if not m.get(key))
    if unanswered:
        return _needs(*unanswered, why=f"the Medicare design's measures, and {none} among those answered")
    return Outcome("not_met", Text(same, Text(", ").join(Text(Answer(p)) for p in paths), f": {none}"),
                   (*paths, line.at(SAME_AS_MEDICARE)))


# ----------------------------------------------------------------------------------------------------- (d) risk


@LINE_RULES.rule("OPAAPM-RISK-GENERAL", LABEL, "Financial risk: generally applicable standard (nominal amount and "
                 "marginal risk)", f"{SECTION}(d)(1), (d)(3), (d)(5)")
def risk_general(line: LineAnswers) -> Outcome:
    _, _, none = _in_force(line, "other_payer_benchmark_nominal_amount")
    if none:
        return none
    path, kind = _risk_kind(line)
    if kind is MISSING:
        return _needs(path)
    if kind == "full_capitation":
        return Outcome("met", Text(Answer(path, kind), ": the APM Entity bears all the risk, more than any nominal "
                                   f"amount (the capitation path, {SECTION}(d)(7))"), (path,))
    if kind in ("none", "upside_only"):
        return Outcome("not_met", Text(Answer(path, kind), ": nothing is withheld, cut or owed to the payer when "
                                       "expenditures exceed what was expected, whatever the percent"), (path,))
    mechanisms_path, mechanisms = line.answer("risk_mechanisms")
    if isinstance(mechanisms, list) and mechanisms and not any(m in GENERAL_MECHANISMS for m in mechanisms):
        return Outcome("not_met", Text(Answer(mechanisms_path, mechanisms), ": the loss of an otherwise guaranteed "
                                       "payment counts only under the medical home standard; this one needs a "
                                       "withhold, a payment rate cut, or a payment owed to the payer"),
                       (mechanisms_path,))
    checks = [nominal_amount(line), marginal_risk(line)]
    return _all(checks, Text("downside risk whose ", Text("; ").join(o.explanation for o in checks)))


def nominal_amount(line: LineAnswers) -> Outcome:
    """(d)(3)(i): what the APM Entity potentially owes or forgoes reaches the nominal amount for its basis."""
    basis_path, basis = _choice(line, "risk_basis", BASES)
    percent_path, given = line.answer("percent_at_risk")
    if basis is MISSING or number(given) is None:
        return _needs(*(p for p, v in ((basis_path, basis), (percent_path, number(given))) if v in (MISSING, None)),
                      why="the nominal amount is a share of this payer's revenue or of its expected expenditures")
    if basis == "revenue":
        return _compare(line, "percent_at_risk", "other_payer_revenue_nominal_amount",
                        "revenue-based nominal amount (of the payer's revenue to the participants)")
    return _compare(line, "percent_at_risk", "other_payer_benchmark_nominal_amount",
                    "benchmark-based nominal amount (of expected expenditures)")


def average_marginal_risk(rate: float, minimum_loss: float, floor: float, nominal: float) -> float:
    """The marginal risk rate averaged over the overrun levels (d)(5) counts, in percent.

    An overrun of x% of expected expenditures costs the APM Entity `rate`% of what exceeds its minimum loss rate.
    Overruns under `floor` (4%) are left out, and so are those past the level at which the entity has paid the
    nominal amount (3% of expected expenditures). So a minimum loss rate up to the floor leaves the rate as it is;
    one above it adds the overruns between the floor and it, at a rate of 0, to the average.
    """
    if minimum_loss <= floor or rate <= 0:
        return rate
    top = minimum_loss + nominal / (rate / 100)  # the overrun at which the entity has paid the nominal amount
    return rate * (top - minimum_loss) / (top - floor)


def marginal_risk(line: LineAnswers) -> Outcome:
    """(d)(3)(ii) and (d)(5): the APM Entity pays at least 30% of an overrun, averaged over the levels counted."""
    year, t, none = _in_force(line, "other_payer_marginal_risk_rate")
    if none:
        return none
    rate_path, rate = line.answer("marginal_risk_rate")
    loss_path, loss = line.answer("minimum_loss_rate")
    if number(rate) is None or number(loss) is None:
        return _needs(*(p for p, v in ((rate_path, rate), (loss_path, loss)) if number(v) is None),
                      why="the share of an overrun the APM Entity pays, and how far past expected expenditures it "
                          "starts paying")
    floor = threshold("other_payer_minimum_loss_rate", year.table_year)
    nominal = threshold("other_payer_benchmark_nominal_amount", year.table_year)
    average = average_marginal_risk(rate, loss, floor.value or 0, nominal.value or 0)
    margin = average - t.value
    averaged = "" if average == rate else (
        f", which averages {average:.4g}% over the overruns counted (those from {pct(floor.value)} of expected "
        f"expenditures until the {pct(nominal.value)} nominal amount is paid; none is paid below the minimum loss "
        f"rate; {_row(floor)})")
    reached = "reaches" if margin >= 0 else "is below"
    short = "" if margin >= 0 else f", {points(margin)} short"
    return Outcome("met" if margin >= 0 else "not_met", Text(
        Answer(rate_path, rate), " with ", Answer(loss_path, loss), averaged,
        f": {reached} the {pct(t.value)} marginal risk rate for {year.year} ({_row(t)}){short}", year.clause(),
        unverified(t)), (rate_path, loss_path, YEAR), margin, not t.is_verified)


def medical_home_model(line: LineAnswers) -> Outcome:
    """Whether the line is a Medicaid Medical Home Model, or (another payer's) an Aligned Other Payer Medical Home
    Model: a primary-care arrangement with empanelment and at least four medical home features (42 CFR 414.1305),
    aligned, for a payer other than Medicaid, with a CMS Multi-Payer Model that is a Medical Home Model. Two paths
    ask it of a line: it is worked out once."""
    return line.memo("medical_home_model", lambda: _medical_home_model(line))


def _medical_home_model(line: LineAnswers) -> Outcome:
    if all(line.answer(name)[1] is MISSING for name in MEDICAL_HOME_ANSWERS):
        return Outcome("not_met", Text("no medical home answers (", line.said("medical_home_features"),
                                       " is not answered; answer it for a primary-care arrangement)"),
                       (line.answer("medical_home_features")[0],))
    checks = []
    if line.kind != "medicaid":
        checks.append(_flag(line, "aligned_with_cms_multi_payer_model", "aligned with a CMS Multi-Payer Model that is "
                            "a Medical Home Model", "an Aligned Other Payer Medical Home Model partners with CMS in "
                            "a CMS Multi-Payer Model that is a Medical Home Model"))
    checks.append(_flag(line, "medical_home_primary_care", "primary-care focus", "no primary-care focus"))
    checks.append(_flag(line, "medical_home_empanelment", "patients are empanelled to a primary clinician",
                        "patients are not empanelled to a primary clinician"))
    path, features = line.answer("medical_home_features")
    count = len(features) if isinstance(features, list) else 0
    if features is MISSING:
        checks.append(_needs(path))
    elif count < MH_MIN_FEATURES:
        checks.append(Outcome("not_met", Text(Answer(path, features), f": {count} of the {MH_MIN_FEATURES} or more "
                                              "medical home features required"), (path,)))
    else:
        checks.append(Outcome("met", Text(Answer(path), f" lists {count} features"), (path,)))
    kind = "Medicaid Medical Home Model" if line.kind == "medicaid" else "Aligned Other Payer Medical Home Model"
    return _all(checks, Text(f"a {kind}: primary care with empanelment and {count} medical home features"))


@LINE_RULES.rule("OPAAPM-RISK-MEDICAL-HOME", LABEL, "Financial risk: Medicaid or Aligned Other Payer Medical Home "
                 "Model standard", f"{SECTION}(d)(2), (d)(4), (d)(8)")
def risk_medical_home(line: LineAnswers) -> Outcome:
    year, _, none = _in_force(line, "other_payer_medical_home_nominal_amount")
    if none:
        return none
    model = medical_home_model(line)
    if model.status != "met":
        return Outcome(model.status, Text("not a medical home: ", model.explanation) if model.status == "not_met"
                       else model.explanation, model.fields)
    checks = []
    limit = threshold("other_payer_medical_home_max_clinicians", year.table_year)
    if limit.value is not None:
        path, count = line.answer("apm_entity_clinicians")
        if number(count) is None:
            checks.append(_needs(path, why=f"from 2023 the standard applies only to APM Entities of {limit.value:g} "
                                 "or fewer eligible clinicians"))
        elif count > limit.value:
            checks.append(Outcome("not_met", Text(Answer(path, count), f": over the {limit.value:g} eligible "
                                                  f"clinicians the standard allows in {year.year} ({_row(limit)}); "
                                                  "the generally applicable standard applies instead"),
                                  (path, YEAR)))
        else:
            checks.append(Outcome("met", Text(Answer(path, count), f", within {limit.value:g}"), (path,)))
    path, kind = _risk_kind(line)
    if kind is MISSING:
        checks.append(_needs(path))
    elif kind in ("none", "upside_only"):
        checks.append(Outcome("not_met", Text(Answer(path, kind), ": nothing is withheld, cut, owed or lost when "
                                              "performance falls short"), (path,)))
    basis_path, basis = _choice(line, "risk_basis", BASES)
    if basis == "benchmark":
        checks.append(Outcome("not_met", Text(Answer(basis_path, basis), ": the medical home nominal amount is a "
                                              "share of the participants' revenue under the payer; state the amount "
                                              "at risk as a share of revenue"), (basis_path,)))
    else:
        checks.append(_compare(line, "percent_at_risk", "other_payer_medical_home_nominal_amount",
                               "medical home nominal amount (of the participants' revenue under the payer)")
                      if basis is not MISSING else _needs(basis_path))
    return _all(checks, Text(model.explanation, " whose ", Text("; ").join(o.explanation for o in checks)))


@LINE_RULES.rule("OPAAPM-RISK-MH-EXPANDED", LABEL, "Financial risk: Medicaid Medical Home Model comparable to an "
                 "expanded one", f"{SECTION}(a)(3)(ii)")
def risk_mh_expanded(line: LineAnswers) -> Outcome:
    path, comparable = line.answer("comparable_to_expanded_medical_home")
    if line.kind != "medicaid":
        return Outcome("not_met", Text(line.line, ": only a Medicaid Medical Home Model can take this path"),
                       (f"{line.path}.line_of_business",))
    if comparable is not True:
        # A proposal describes an arrangement not yet determined, so an unanswered question counts as "no".
        return Outcome("not_met", Text(Answer(path, comparable) if comparable is False else Answer(path),
                                       ": not comparable to a Medical Home Model expanded under section 1115A(c)"),
                       (path,))
    model = medical_home_model(line)
    if model.status == "met":
        return Outcome("met", Text(Answer(path, True), " and ", model.explanation, ": it meets the financial risk "
                                   "criterion outright"), (path, *model.fields))
    return Outcome(model.status, Text(Answer(path, True), ", but only a Medicaid Medical Home Model counts: ",
                                      model.explanation), (path, *model.fields))


@LINE_RULES.rule("OPAAPM-RISK-CAPITATION", LABEL, "Financial risk: full capitation", f"{SECTION}(d)(7)")
def risk_capitation(line: LineAnswers) -> Outcome:
    path, kind = _risk_kind(line)
    if kind is MISSING:
        return _needs(path)
    if kind != "full_capitation":
        return Outcome("not_met", Text(Answer(path, kind), ": not full capitation"), (path,))
    # 414.1420(d)(7) excludes the arrangements between CMS and Medicare Advantage organisations: a plan's own
    # capitation from CMS is not the APM Entity's risk. The line is the plan's arrangement with the APM Entity.
    ma = (", paid by the Medicare Advantage plan to the APM Entity (the plan's own capitation from CMS would not "
          "count)") if line.kind == "medicare_advantage" else ""
    return Outcome("met", Text(Answer(path, kind), f": a predetermined per-capita payment for all items and "
                               f"services, with no settlement of losses or savings{ma}"), (path,))


# ----------------------------------------------------------------------------------------------------- verdicts


@dataclass(frozen=True, slots=True)
class LineVerdict:
    """One line of business judged as an Other Payer Advanced APM."""

    path: str  # payment.lines_of_business[1]
    line_of_business: str  # medicaid, medicare_advantage, commercial
    payer_type: str  # as 42 CFR 414.1420(a) names it
    verdict: Verdict  # label other_payer_advanced_apm; rule_ids name the findings that decided it
    findings: tuple[Finding, ...]
    risk_path: str | None = None  # the financial-risk rule that met it, when one did


def judge(answers: Answers) -> tuple[LineVerdict, ...]:
    """Every other payer's line of business, judged (worked out once per Answers)."""
    return answers.memo("other_payers", lambda: tuple(_judge(line) for line in lines(answers)))


def _judge(line: LineAnswers) -> LineVerdict:
    kind = str(line.kind)
    if not line.own:  # an old file, or a line not yet asked: one answer says what to do, and no rule has anything
        first = line.at(SAME_AS_MEDICARE)  # to judge yet (so old files cost next to nothing to evaluate)
        verdict = Verdict(LABEL, "undetermined", Text(
            "needs ", Answer(first), ": answer this payer's Other Payer Advanced APM questions, or that its design "
            "is the same as the Medicare design"), (first,))
        return LineVerdict(line.path, kind, PAYER_TYPES[kind], verdict, ())
    findings = {r.id: r.run(line) for r in LINE_RULES}  # type: ignore[arg-type]  # a LineAnswers is an Answers
    _, _, too_early = _in_force(line, "other_payer_cehrt_share")
    if too_early:  # every rule says so: say it once
        verdict = Verdict(LABEL, "no", too_early.explanation, (), tuple(findings))
        return LineVerdict(line.path, kind, PAYER_TYPES[kind], verdict, tuple(findings.values()))
    risk, met = _risk(findings)
    parts = [_part(findings["OPAAPM-CEHRT"]), _and(LABEL, [_part(findings[i]) for i in QUALITY_RULES], ""), risk]
    verdict = _and(LABEL, parts, "")
    if verdict.value == "yes":
        verdict = Verdict(LABEL, "yes", Text("enough of its participants use CEHRT, it pays on quality measures "
                                             "comparable to MIPS's, and it meets the ", risk.reason), (),
                          verdict.rule_ids, unverified=verdict.unverified)
    return LineVerdict(line.path, kind, PAYER_TYPES[kind], verdict, tuple(findings.values()), met)


def _risk(findings: Mapping[str, Finding]) -> tuple[Verdict, str | None]:
    """Three-valued OR over the financial-risk paths: the path that met it, else what is missing, else the path
    that came closest and by how much it missed."""
    paths = [findings[i] for i in RISK_PATHS]
    met = next((f for f in paths if f.status == "met"), None)
    if met:
        return Verdict(LABEL, "yes", Text(f"financial risk criterion via the {_path_name(met)}: ", met.explanation),
                       (), (met.rule_id,), unverified=met.unverified), met.rule_id
    unknown = [f for f in paths if f.status == "unknown"]
    if unknown:
        needs = tuple(dict.fromkeys(p for f in unknown if not f.pending for p in f.fields))
        return Verdict(LABEL, "undetermined", Text("financial risk: ", Text("; ").join(f.explanation for f in unknown)),
                       needs, tuple(f.rule_id for f in unknown), unverified=any(f.unverified for f in unknown)), None
    measured = [f for f in paths if f.margin is not None]
    best = max(measured, key=lambda f: f.margin or 0.0) if measured else findings["OPAAPM-RISK-GENERAL"]
    missed = f", missed by {points(best.margin)}" if best.margin is not None else ""
    return Verdict(LABEL, "no", Text(f"financial risk: no path is met; closest was the {_path_name(best)}{missed}: ",
                                     best.explanation), (), tuple(f.rule_id for f in paths),
                   unverified=any(f.unverified for f in paths)), None


def _path_name(f: Finding) -> str:
    return f.title.removeprefix("Financial risk: ")


# ----------------------------------------------------------------------------------------------------- consistency


@rule("CON-OP-RISK-ARRANGEMENT", "consistency", "Each other payer's risk answer matches its LAN arrangements",
      f"{SECTION}(d)(1); LAN APM Framework (2016; refreshed July 2017), Categories 3A and 3B")
def risk_matches_arrangements(answers: Answers) -> Outcome:
    problems, fields = [], []
    for line in lines(answers):
        if not line.own:
            continue
        risk_path, kind = _risk_kind(line)
        kinds = _arrangement_types(line)
        downside = kinds & set(DOWNSIDE_ARRANGEMENTS)
        if kind in DOWNSIDE and "shared_savings" in kinds and not downside:
            problems.append(Text(line.line, ": its arrangements are shared savings without losses (3A), yet ",
                                 Answer(risk_path, kind)))
        elif kind in ("none", "upside_only") and downside:
            paying = Text(", ").join(Answer(f"{line.path}.arrangements[{i}].type", t)
                                     for i, t in _arrangement_entries(line) if t in downside)
            problems.append(Text(line.line, ": it pays through ", paying, " (downside risk in the LAN's terms), yet ",
                                 Answer(risk_path, kind)))
        else:
            continue
        fields += [risk_path, f"{line.path}.arrangements"]
    if problems:
        return Outcome("not_met", Text("; ").join(problems), tuple(dict.fromkeys(fields)))
    return Outcome("met", "every other payer's risk answer matches its arrangements")


@rule("CON-OP-LEGACY", "consistency", "An Other Payer Advanced APM line is not mostly legacy payments",
      f"{SECTION}; LAN National APM Data Collection workbook, metric 2 (legacy payments)")
def advanced_line_not_mostly_legacy(answers: Answers) -> Outcome:
    advanced = [judged for judged in judge(answers) if judged.verdict.value == "yes"]
    mix: PaymentMix | None = answers.memo("payment_mix", lambda: compute(answers.data)) if advanced else None
    shares = {line.path: line.legacy_share for line in mix.lines} if mix else {}
    problems, fields = [], []
    for judged in advanced:
        share = shares.get(judged.path)
        if share is not None and share > MOSTLY:
            problems.append(Text(Answer(f"{judged.path}.line_of_business", judged.line_of_business),
                                 f": judged an Other Payer Advanced APM, yet {percent(share)} of its dollars are "
                                 "legacy payments (Category 1); check which arrangement the answers describe, and "
                                 "that most of this payer's payments would not count toward the All-Payer "
                                 "Combination Option"))
            fields += [f"{judged.path}.arrangements", f"{judged.path}.total_dollars"]
    if problems:
        return Outcome("not_met", Text("; ").join(problems), tuple(fields))
    return Outcome("met", "no line judged an Other Payer Advanced APM is mostly legacy payments")


def _arrangement_entries(line: LineAnswers) -> list[tuple[int, str]]:
    """(index, type) of each of the line's arrangements that names its type."""
    raw = line[LINES]
    entries = raw[line.index].get("arrangements") if isinstance(raw, list) else None
    return [(i, e["type"]) for i, e in enumerate(entries if isinstance(entries, list) else [])
            if isinstance(e, Mapping) and isinstance(e.get("type"), str)]


def _arrangement_types(line: LineAnswers) -> frozenset[str]:
    return frozenset(t for _, t in _arrangement_entries(line))
