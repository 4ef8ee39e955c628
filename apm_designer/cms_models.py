"""The library of real CMS payment models a proposal can start from (`proposals/models/`).

Each model is a complete proposal written from CMS's public documents for one performance year (its sources are
in the file's comments); the catalogue, `data/cms_models.yaml`, gives each its one-line summary and the names the
toolkit's examples use for it. Its status (APM, Advanced APM, MIPS APM) is what the evaluator finds from its
answers, which tests/test_real_models.py holds to the status CMS published for that year.

Starting from a model copies its answers into a new draft: the proposer's own title, status draft, none of CMS's
contact details, and a note of where it came from (a comment at the top of its file, under the schema line).
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass
from functools import cache
from typing import Any

from apm_designer.document import load
from apm_designer.resources import MODELS_DIR, load_data
from apm_designer.wizard import Field, get

# What a model shows of its classification, in this order; LAN comes from its own category.
STATUS_LABELS = (("apm", "APM"), ("advanced_apm", "Advanced APM"), ("mips_apm", "MIPS APM"))
# The model's metadata that describes CMS's publication, not the proposer's new model.
NOT_COPIED = ("organisation", "contact", "version", "date")


class UnknownModel(LookupError):
    """No model has that name."""


@dataclass(frozen=True)
class CmsModel:
    key: str  # the file's name without .yaml, as typed after `new --from`
    name: str  # e.g. "Oncology Care Model, one-sided risk"
    summary: str  # one line
    toolkit_names: tuple[str, ...]  # how the toolkit's examples name the model, e.g. "Oncology Care Model (OCM)"
    period: str = ""  # the years its facts are for, when they come before the first QPP performance year

    def data(self) -> dict[str, Any]:
        """The model's answers (a fresh copy)."""
        return copy.deepcopy(_answers(self.key))

    @property
    def when(self) -> str:
        """The performance year its facts are for (or, for a model before the Quality Payment Program, its years)."""
        year = _answers(self.key)["metadata"].get("performance_year")
        return str(year) if year else self.period

    def status(self) -> str:
        """What the model is, e.g. "APM · Advanced APM · MIPS APM · LAN 3B", or "not an APM · LAN 2A"."""
        return _status(self.key)


@cache
def _answers(key: str) -> dict[str, Any]:
    return load(MODELS_DIR / f"{key}.yaml").data


@cache
def _status(key: str) -> str:
    from apm_designer.rules import evaluate

    verdicts = evaluate(_answers(key)).verdicts
    shown = [name for label, name in STATUS_LABELS if verdicts[label].value == "yes"] or ["not an APM"]
    if verdicts["lan"].category:
        shown.append(f"LAN {verdicts['lan'].category}")
    return " · ".join(shown)


@cache
def library() -> tuple[CmsModel, ...]:
    """Every model in the catalogue, in its order."""
    return tuple(CmsModel(m["key"], m["name"], m["summary"], tuple(m.get("toolkit_names", ())), m.get("period", ""))
                 for m in load_data("cms_models.yaml")["models"])


def find(key: str) -> CmsModel:
    """The model named `key` (raises UnknownModel, saying which names come close)."""
    keys = [m.key for m in library()]
    for m in library():
        if m.key == key:
            return m
    close = difflib.get_close_matches(key, keys, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise UnknownModel(f"no CMS model named '{key}'; {hint}`apm-designer new --list` lists them")


def named_in_toolkit(name: str) -> CmsModel | None:
    """The library's model the toolkit's example `name` is about, if any (the first of its tracks)."""
    return next((m for m in library() if name in m.toolkit_names), None)


def toolkit_models(step_key: str) -> tuple[CmsModel, ...]:
    """The library's models that the toolkit's examples for an element step name, in the toolkit's order."""
    if not step_key.startswith("element_"):
        return ()
    from apm_designer.toolkit import element

    return tuple(dict.fromkeys(m for x in element(step_key).examples if (m := named_in_toolkit(x.model))))


def answer_of(model: CmsModel, question: Field) -> str:
    """The model's answer to a question as the proposer reads it (options by their labels); "" when the model gives
    none, or for a group of questions or an entry of a repeatable one (whose entries do not correspond)."""
    if question.kind in ("group", "list") or any(isinstance(part, int) for part in question.path):
        return ""
    from apm_designer.wording import value

    return value(question.dotted, get(_answers(model.key), question.path))


def note(model: CmsModel) -> str:
    """What a proposal started from `model` says it was started from."""
    return f"Started from the CMS model library: {model.name} ({model.when}, {model.key})"


def start_from(model: CmsModel) -> dict[str, Any]:
    """A new draft with the model's answers: its own title, status draft, and none of CMS's contact details."""
    data = model.data()
    meta = data["metadata"]
    for key in NOT_COPIED:
        meta.pop(key, None)
    meta["title"] = f"A new model based on {model.name}"
    meta["status"] = "draft"
    return data
