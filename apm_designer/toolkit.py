"""The toolkit and workbook content as data, loaded once: elements with their guidance and real model examples,
LAN arrangements with their categories, the glossary, and the design factors (from the schema)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from apm_designer.resources import load_data, proposal_schema


@dataclass(frozen=True)
class Example:
    model: str
    text: str


@dataclass(frozen=True)
class Element:
    key: str
    number: int
    question: str
    guidance: str
    asks: tuple[str, ...]
    examples: tuple[Example, ...]

    @property
    def title(self) -> str:
        return proposal_schema()["properties"][self.key]["title"]


@dataclass(frozen=True)
class DesignFactor:
    key: str
    number: int
    title: str
    optional: bool  # the toolkit's * factors: CMS does not expect proposers to focus on them


@dataclass(frozen=True)
class Arrangement:
    key: str
    label: str
    category: str  # LAN APM Framework category, e.g. "3A"
    metric: int | None  # the workbook's metric number for its dollars, where it has one
    linked_to_quality: bool
    term: str  # the glossary term that defines it


@cache
def _raw() -> dict[str, Any]:
    return load_data("toolkit.yaml")


@cache
def elements() -> tuple[Element, ...]:
    return tuple(
        Element(e["key"], e["number"], e["question"], e["guidance"], tuple(e["asks"]),
                tuple(Example(x["model"], x["text"]) for x in e["examples"]))
        for e in _raw()["elements"]
    )


def element(key: str) -> Element:
    return next(e for e in elements() if e.key == key)


@cache
def design_factors() -> tuple[DesignFactor, ...]:
    props = proposal_schema()["properties"]["design_factors"]["properties"]
    return tuple(
        DesignFactor(key, p["x-factor-number"], p["title"].split(". ", 1)[1].removesuffix(" *"), p["x-optional"])
        for key, p in props.items()
    )


@cache
def arrangements() -> dict[str, Arrangement]:
    labels = _arrangement_labels()
    return {key: Arrangement(key, labels[key], a["category"], a["metric"], a["linked_to_quality"], a["term"])
            for key, a in _raw()["arrangements"].items()}


def _arrangement_labels() -> dict[str, str]:
    line = proposal_schema()["properties"]["payment"]["properties"]["lines_of_business"]["items"]
    return line["properties"]["arrangements"]["items"]["properties"]["type"]["x-enum-labels"]


@cache
def glossary() -> dict[str, str]:
    return dict(_raw()["glossary"])
