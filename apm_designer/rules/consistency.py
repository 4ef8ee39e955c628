"""Consistency checks (label "consistency"): contradictions between answers that a reviewer would catch.

`not_met` is a warning naming the answers that contradict each other; `met` says the check found nothing (or does
not apply); `unknown` names what it still needs to tell.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from apm_designer.metrics import LINES
from apm_designer.rules.engine import (
    CLASSIFICATIONS,
    LABEL_NAMES,
    MISSING,
    Answer,
    Answers,
    Finding,
    Outcome,
    Text,
    Verdict,
    rule,
)
from apm_designer.rules.lan import design
from apm_designer.rules.qpp import (
    AUTHORITY,
    CEHRT_REQUIRED,
    CEHRT_REWARD,
    CEHRT_SHARE,
    MEASURES,
    MH_EXPANDED,
    NO_OUTCOME_WHY,
    OUTCOME_TYPES,
    PAYERS,
    QUALITY_PAYMENT,
    RISK_BASIS,
    RISK_MECHANISMS,
    RISK_PERCENT,
    RISK_TYPE,
    number,
    strings,
)
from apm_designer.rules.thresholds import YEAR, performance_year, threshold
from apm_designer.toolkit import arrangements, design_factors

INTENDED = "element_1.intended_types"
FACTORS = "design_factors"
TOOLKIT = "CMS APM Design Toolkit"
LAN = "LAN APM Framework (2016; refreshed July 2017)"
DOWNSIDE = ("two_sided", "full_capitation")
# Arrangements that put the provider at downside risk in the LAN's terms (3B and all of Category 4).
DOWNSIDE_ARRANGEMENTS = ("shared_risk", "population_not_condition_specific", "population_condition_specific",
                         "condition_specific_bundled_episode", "full_percent_of_premium", "integrated_finance_delivery",
                         "capitation_not_linked_to_quality", "risk_based_not_linked_to_quality")
POPULATION_BASED = ("population_not_condition_specific", "population_condition_specific", "full_percent_of_premium",
                    "integrated_finance_delivery", "capitation_not_linked_to_quality")


def _ok(text: str) -> Outcome:
    return Outcome("met", text)


def _each(paths: Iterable[str], joint: str = ", ") -> Text:
    """Answers named one after another: "a, b" or "a and b"."""
    return Text(joint).join(Text(Answer(p)) for p in paths)


def _used_arrangements(answers: Answers) -> Iterator[tuple[str, str]]:
    """(arrangement type, the answer naming it) for every arrangement and combined_with entry in the payment."""
    lines = answers[LINES]
    for i, line in enumerate(lines if isinstance(lines, list) else []):
        entries = line.get("arrangements") if isinstance(line, Mapping) else None
        for j, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, Mapping):
                continue
            path = f"{LINES}[{i}].arrangements[{j}]"
            if isinstance(entry.get("type"), str):
                yield entry["type"], f"{path}.type"
            combined = entry.get("combined_with")
            for kind in combined if isinstance(combined, list) else []:
                if isinstance(kind, str):
                    yield kind, f"{path}.combined_with"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@rule("CON-PFPM-MEDICARE", "consistency", "PFPM intended with Medicare among the payers",
      f"42 CFR 414.1465(a)(1); {TOOLKIT}, elements 1 and 5")
def pfpm_medicare(answers: Answers) -> Outcome:
    if "pfpm" not in _intended(answers):
        return _ok("does not apply: no PFPM intended")
    payers = strings(answers, PAYERS)
    if payers is MISSING:
        return Outcome("unknown", Text("needs ", Answer(PAYERS), ": a PFPM must have Medicare as a payer"), (PAYERS,))
    if "medicare" in payers:
        return _ok(Text("a PFPM is intended and ", Answer(PAYERS), " includes Traditional Medicare"))
    return Outcome("not_met", Text(Answer(INTENDED), " includes PFPM, but the payers do not include Traditional "
                                   "Medicare (", Answer(PAYERS, list(payers)),
                                   "): a PFPM must have Medicare as a payer"), (PAYERS, INTENDED))


@rule("CON-SSP-MEDICARE", "consistency", "Shared Savings Program with Medicare among the payers",
      f"42 U.S.C. 1395jjj (section 1899); {TOOLKIT}, element 5")
def ssp_medicare(answers: Answers) -> Outcome:
    payers = strings(answers, PAYERS)
    if answers[AUTHORITY] != "shared_savings_program" or payers is MISSING:
        return _ok("does not apply: not a Shared Savings Program model with payers given")
    if "medicare" in payers:
        return _ok(Text(Answer(PAYERS), " includes Traditional Medicare"))
    return Outcome("not_met", Text(Answer(AUTHORITY, "shared_savings_program"), ", a Medicare program, but the payers "
                                   "do not include Traditional Medicare (", Answer(PAYERS, list(payers)), ")"),
                   (PAYERS, AUTHORITY))


@rule("CON-INTENDED-TYPES", "consistency", "Intended classifications match the computed ones",
      f"{TOOLKIT}, element 1; 42 CFR 414.1305, 414.1415, 414.1465")
def intended_types(answers: Answers) -> Outcome:
    intended = _intended(answers)
    if not intended:
        return _ok(Text("does not apply: ", Answer(INTENDED), " not answered"))
    findings, verdicts = _classified(answers)
    missed: list[Text] = []
    open_: list[str] = []
    fields: list[str] = [INTENDED]
    for label in intended:
        v = verdicts.get(label)
        if v is None:
            continue
        if v.value == "no":
            missed.append(Text(f"{LABEL_NAMES[label]} is intended but not met (", v.reason, ")"))
            fields.extend(p for rule_id in v.rule_ids for p in findings[rule_id].fields)
        elif v.value == "undetermined":
            open_.append(label)
    if missed:
        return Outcome("not_met", Text(Answer(INTENDED), ": ", Text("; ").join(missed)), tuple(dict.fromkeys(fields)))
    if open_:
        needs = tuple(dict.fromkeys(n for label in open_ for n in verdicts[label].needs))
        return Outcome("unknown", Text(f"cannot tell yet whether {', '.join(LABEL_NAMES[x] for x in open_)} "
                                       "will be met: needs ", _each(needs)), needs)
    return _ok(f"every intended classification ({', '.join(LABEL_NAMES[x] for x in intended)}) is met")


def _intended(answers: Answers) -> list[str]:
    return [label for label in _list(answers[INTENDED]) if label in CLASSIFICATIONS]


def _classified(answers: Answers) -> tuple[Mapping[str, Finding], Mapping[str, Verdict]]:
    verdicts = getattr(answers, "verdicts", None)  # evaluate() passes what it has derived already
    if verdicts is not None:
        return answers.findings, verdicts  # type: ignore[attr-defined]
    from apm_designer.rules import classify  # run on its own (as in a test): derive them here

    return classify(answers)


@rule("CON-RISK-PERCENT", "consistency", "Two-sided risk states how much is at risk, and of what",
      "42 CFR 414.1415(c)(3); " + f"{TOOLKIT}, element 2")
def risk_percent(answers: Answers) -> Outcome:
    if answers[RISK_TYPE] != "two_sided":
        return _ok("does not apply: no two-sided risk")
    percent = number(answers[RISK_PERCENT])
    missing = answers.missing(RISK_PERCENT, RISK_BASIS)
    if missing or percent is None:
        missing = missing or (RISK_PERCENT,)
        return Outcome("not_met", Text(Answer(RISK_TYPE, "two_sided"), ", but ", _each(missing, " and "),
                                       f" {'is' if len(missing) == 1 else 'are'} not given: say how much an APM Entity "
                                       "could owe, as a share of revenue or of the benchmark"), (*missing, RISK_TYPE))
    return _ok(Text("two-sided risk, with ", Answer(RISK_PERCENT, percent), " and ",
                    Answer(RISK_BASIS, answers[RISK_BASIS])))


@rule("CON-RISK-UPSIDE-DETAILS", "consistency", "No loss details for a model without downside risk",
      "42 CFR 414.1415(c)(1)")
def upside_details(answers: Answers) -> Outcome:
    kind = answers[RISK_TYPE]
    if kind not in ("none", "upside_only"):
        return _ok("does not apply: the model has downside risk (or its kind is not answered)")
    given = [p for p in (RISK_MECHANISMS,) if answers.has(p)]
    percent = number(answers[RISK_PERCENT])
    if percent is not None and percent > 0:
        given.append(RISK_PERCENT)
    if given:
        return Outcome("not_met", Text(Answer(RISK_TYPE, kind), ", yet ", _each(given, " and "),
                                       f" describe{'s' * (len(given) == 1)} losses an APM Entity could bear: either "
                                       "the model has two-sided risk or these answers should go"), (RISK_TYPE, *given))
    return _ok(Text(Answer(RISK_TYPE, kind), " with no loss details"))


@rule("CON-LAN-SHARED-RISK", "consistency", "Shared-risk arrangements match the model's downside risk",
      f"{LAN}, Category 3B; 42 CFR 414.1415(c)(1)")
def lan_shared_risk(answers: Answers) -> Outcome:
    kind = answers[RISK_TYPE]
    if kind not in ("none", "upside_only"):
        return _ok("does not apply: the model has downside risk (or its kind is not answered)")
    risky = [(k, p) for k, p in _used_arrangements(answers) if k in DOWNSIDE_ARRANGEMENTS]
    if risky:
        names = ", ".join(sorted({arrangements()[k].term.lower() for k, _ in risky}))
        return Outcome("not_met", Text(Answer(RISK_TYPE, kind), f", but the payment design uses {names} (",
                                       Answer(risky[0][1]), "), which puts providers at downside risk"),
                       (risky[0][1], RISK_TYPE))
    return _ok("no shared-risk or population-based arrangement in an upside-only design")


@rule("CON-LAN-TWO-SIDED", "consistency", "Two-sided risk appears in the payment arrangements",
      f"{LAN}, Categories 3A and 3B")
def lan_two_sided(answers: Answers) -> Outcome:
    kind = answers[RISK_TYPE]
    if kind not in DOWNSIDE:
        return _ok("does not apply: no downside risk")
    used = list(_used_arrangements(answers))
    if not used:
        return _ok("does not apply: no payment arrangements yet")
    if any(k in DOWNSIDE_ARRANGEMENTS or k == "procedure_bundled_episode" for k, _ in used):
        return _ok("the payment arrangements include one with downside risk")
    d = design(answers)
    where, most = d.path or used[0][1], arrangements()[d.arrangement or used[0][0]].term.lower()
    return Outcome("not_met", Text(Answer(RISK_TYPE, kind), ", but no payment arrangement puts providers at downside "
                                   f"risk: the most advanced is {most} (", Answer(where),
                                   "); list it as shared risk or a population-based payment"), (where, RISK_TYPE))


@rule("CON-LAN-CAPITATION", "consistency", "Full capitation appears as a population-based payment",
      f"{LAN}, Category 4")
def lan_capitation(answers: Answers) -> Outcome:
    if answers[RISK_TYPE] != "full_capitation":
        return _ok("does not apply: not full capitation")
    used = list(_used_arrangements(answers))
    if not used:
        return _ok("does not apply: no payment arrangements yet")
    if any(k in POPULATION_BASED for k, _ in used):
        return _ok("full capitation is paid as a population-based payment")
    d = design(answers)
    return Outcome("not_met", Text(Answer(RISK_TYPE, "full_capitation"), ", but no payment arrangement is a "
                                   f"population-based (capitated) payment: the most advanced is {d.category} (",
                                   Answer(d.path or LINES), ")"), (d.path or LINES, RISK_TYPE))


@rule("CON-LAN-QUALITY", "consistency", "Arrangements linked to quality only when payment depends on quality",
      f"{LAN} (Categories 2–4 are linked to quality; 3N and 4N are not)")
def lan_quality(answers: Answers) -> Outcome:
    if answers[QUALITY_PAYMENT] is not False:
        return _ok(Text("does not apply: ", Answer(QUALITY_PAYMENT), " is not answered No"))
    linked = [(k, p) for k, p in _used_arrangements(answers)
              if k in arrangements() and arrangements()[k].linked_to_quality]
    if linked:
        kind, path = linked[0]
        return Outcome("not_met", Text(Answer(QUALITY_PAYMENT, False), ", but ", Answer(path, kind),
                                       f" ({arrangements()[kind].category}) is an arrangement linked to quality; if "
                                       "payment does not depend on quality, use the framework's N codes"),
                       (path, QUALITY_PAYMENT))
    return _ok("no arrangement is linked to quality, matching a payment that does not depend on it")


@rule("CON-OUTCOME-MEASURE", "consistency", "Measures include an outcome measure, or say why not",
      "42 CFR 414.1415(b)(3); " + f"{TOOLKIT}, element 6")
def outcome_measure(answers: Answers) -> Outcome:
    measures = [m for m in _list(answers[MEASURES]) if isinstance(m, Mapping)]
    if not measures:
        return _ok("does not apply: no measures listed")
    outcome = [i for i, m in enumerate(measures) if m.get("type") in OUTCOME_TYPES]
    if outcome and answers.has(NO_OUTCOME_WHY):
        return Outcome("not_met", Text(Answer(NO_OUTCOME_WHY), " explains why there is no outcome measure, but ",
                                       Answer(f"{MEASURES}[{outcome[0]}]"), " is one: drop the explanation"),
                       (NO_OUTCOME_WHY, f"{MEASURES}[{outcome[0]}].type"))
    if outcome or answers.has(NO_OUTCOME_WHY):
        return _ok("an outcome measure is listed, or the proposal says why none is available")
    if any(not m.get("type") for m in measures):
        return Outcome("unknown", Text("needs each measure's type in ", Answer(MEASURES)), (MEASURES,))
    return Outcome("not_met", Text(Answer(MEASURES), f" lists {len(measures)} measure{'s' * (len(measures) != 1)} but "
                                   "no outcome measure, and ", Answer(NO_OUTCOME_WHY),
                                   " does not say why none is available"), (MEASURES, NO_OUTCOME_WHY))


@rule("CON-QUALITY-MEASURES", "consistency", "Payment on quality names the measures it pays on",
      "42 CFR 414.1415(b)(1); " + f"{TOOLKIT}, element 6")
def quality_measures(answers: Answers) -> Outcome:
    if answers[QUALITY_PAYMENT] is not True:
        return _ok(Text("does not apply: ", Answer(QUALITY_PAYMENT), " is not answered Yes"))
    if answers.has(MEASURES):
        return _ok("payment depends on quality, and the measures are listed")
    return Outcome("not_met", Text(Answer(QUALITY_PAYMENT, True), ", but ", Answer(MEASURES),
                                   " lists no measure to pay on"), (MEASURES, QUALITY_PAYMENT))


@rule("CON-FACTOR-RATIONALE", "consistency", "Every rated design factor gives its rationale",
      f"{TOOLKIT}, model design factors")
def factor_rationale(answers: Answers) -> Outcome:
    factors = answers[FACTORS]
    if not isinstance(factors, Mapping):
        return _ok("does not apply: no design factors rated")
    order = {f.key: n for n, f in enumerate(design_factors())}
    bare = [f"{FACTORS}.{key}.rationale" for key in sorted(factors, key=lambda k: order.get(k, len(order)))
            if isinstance(factors[key], Mapping) and factors[key].get("rating") and not factors[key].get("rationale")]
    if bare:
        return Outcome("not_met", Text(f"{len(bare)} design factor{'s' * (len(bare) != 1)} rated without a "
                                       "rationale: ", _each(bare)), tuple(bare))
    return _ok("every rated design factor says why")


@rule("CON-CEHRT-SHARE", "consistency", "A CEHRT share only where the model requires CEHRT",
      "42 CFR 414.1415(a)")
def cehrt_share(answers: Answers) -> Outcome:
    share = number(answers[CEHRT_SHARE])
    if answers[CEHRT_REQUIRED] is False and share is not None and share > 0:
        return Outcome("not_met", Text(Answer(CEHRT_REQUIRED, False), ", yet ", Answer(CEHRT_SHARE, share),
                                       ": does the model require CEHRT use or not?"), (CEHRT_REQUIRED, CEHRT_SHARE))
    return _ok("the CEHRT answers agree")


@rule("CON-CEHRT-REWARD", "consistency", "CEHRT penalty or reward only for the Shared Savings Program, before 2019",
      "42 CFR 414.1415(a)(1)(ii)")
def cehrt_reward(answers: Answers) -> Outcome:
    authority = answers[AUTHORITY]
    if answers[CEHRT_REWARD] is not True or authority is MISSING:
        return _ok("does not apply")
    year = performance_year(answers)
    route = threshold("ssp_cehrt_penalty_or_reward", year.table_year)
    claimed = Answer(CEHRT_REWARD, True)
    if not route.value:  # from 2019 the route is closed to every model, the Shared Savings Program's included
        if answers[CEHRT_REQUIRED] is True:  # the share is how it meets the criterion; the penalty is a feature
            return _ok(f"in {year.year} the required share of clinicians, not the penalty or reward, meets the "
                       "CEHRT criterion")
        return Outcome("not_met", Text(claimed, f", but in {year.year} no model meets the CEHRT criterion that way: "
                                       "the penalty-or-reward route was the Shared Savings Program's alone, for QP "
                                       f"Performance Periods before {route.first}: require a share of clinicians "
                                       "to use CEHRT instead", year.clause()),
                       (CEHRT_REWARD, YEAR, CEHRT_REQUIRED))
    if authority != "shared_savings_program":
        return Outcome("not_met", Text(claimed, ", but only the Shared Savings Program may meet the CEHRT criterion "
                                       "that way and ", Answer(AUTHORITY, authority),
                                       ": require a share of clinicians instead"), (CEHRT_REWARD, AUTHORITY))
    return _ok(f"the Shared Savings Program may meet the CEHRT criterion that way in {year.year}")


@rule("CON-MH-EXPANDED", "consistency", "Expansion under section 1115A(c) only for a section 1115A model",
      "42 U.S.C. 1315a(c)")
def mh_expanded(answers: Answers) -> Outcome:
    authority = answers[AUTHORITY]
    if answers[MH_EXPANDED] is True and authority is not MISSING and authority != "section_1115a":
        return Outcome("not_met", Text(Answer(MH_EXPANDED, True), ", but only a section 1115A model can be expanded "
                                       "under section 1115A(c), and ", Answer(AUTHORITY, authority)),
                       (MH_EXPANDED, AUTHORITY))
    return _ok("does not apply, or the expanded model is a section 1115A model")
