"""A seeded corpus of realistic proposals for the benchmarks: varied size (up to ~28 KB) and completeness, a share
of them invalid (schema problems, and a few YAML syntax errors).

Documents are built by walking the proposal schema, so a new question in the schema shows up in the corpus without
an edit here; a few answers get hand-tuned values (dates in order, dollars that add up) so the evaluator sees
plausible proposals. Where `proposals/examples/` has valid examples, some documents start from one of them.
Every file is written with `apm_designer.document.save`, exactly as the wizard writes proposals.

The corpus lives in a cache folder keyed by everything that shapes it (seed, size, schema, examples, this file),
so repeated `make bench` runs reuse it. `python -m bench.corpus N [--out DIR]` writes one by hand.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import os
import random
import shutil
import sys
import tempfile
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from apm_designer.document import LoadError, dumps, load, save, write_atomic
from apm_designer.resources import SCHEMA_PATH, proposal_schema

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "proposals" / "examples"
SEED = 20240601
INVALID_SHARE = 0.12  # schema problems
SYNTAX_SHARE = 0.01  # YAML that does not parse
MAX_BYTES = 28_000

_VOCABULARY = """
beneficiaries clinicians practice episode bundle quality measure benchmark savings shared risk downside upside
capitation prospective payment primary care specialty hospital readmission avoidable admissions emergency department
utilization care coordination transitions discharge follow-up behavioral health integration social needs screening
housing transportation food insecurity chronic conditions diabetes hypertension heart failure COPD kidney disease
oncology maternity postpartum telehealth remote monitoring registry attribution prospective retrospective
reconciliation performance period baseline trend adjustment risk adjustment HCC regional national Medicare Medicaid
commercial payers alignment data sharing claims feeds dashboards learning collaborative participants entities
accountable total cost of care spending growth equity disparities rural underserved communities workforce
health information exchange CEHRT interoperability patient-reported outcomes experience surveys evaluation
comparison group difference-in-differences stakeholders convener technical assistance implementation glide path
"""
_WORDS = _VOCABULARY.split()
_CONNECTORS = ["and", "with", "for", "across", "through", "while", "so that", "because", "within", "by"]
_ORGS = ["Riverside Health Partners", "Blue Ridge ACO", "Lakeshore Physicians Group", "Valley Care Collaborative",
         "Summit Primary Care Network", "Harbor Oncology Associates", "Prairie Rural Health Alliance",
         "Metro Kidney Care & Dialysis", "Northwind Maternal Health Coalition", "Coastal Behavioral Health Network"]
_NAMES = ["Ana Ruiz", "Dev Patel", "Mei Chen", "Sam O'Neill", "Grace Okafor", "Luis Ortega", "Ruth Adler"]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 18))]
    for i in range(3, len(words) - 2, rng.randint(4, 7)):
        words[i] = rng.choice(_CONNECTORS)
    return (" ".join(words).capitalize() + ".").replace(" .", ".")


def _text(rng: random.Random, budget: int, limit: int) -> str:
    """Prose of about `budget` characters (never over `limit`); long answers come in paragraphs."""
    budget = max(10, min(budget, limit))
    paragraphs, size = [[]], 0
    while size < budget:
        s = _sentence(rng)
        paragraphs[-1].append(s)
        size += len(s) + 1
        if len(paragraphs[-1]) >= rng.randint(3, 6):
            paragraphs.append([])
    text = "\n\n".join(" ".join(p) for p in paragraphs if p)
    if rng.random() < 0.08:  # real answers quote names like "R&D" or use **emphasis**
        text += rng.choice([" Work with our R&D team.", " **Key point**: savings are shared.", " Cost *and* quality."])
    return text[:limit].rstrip()


class _Builder:
    """Fills a schema node with plausible values; `text_budget` is the characters each long text answer gets."""

    def __init__(self, rng: random.Random, text_rng: random.Random | None, text_budget: int) -> None:
        self.rng = rng
        self.text_rng = text_rng  # its own stream, so the text budget never changes the document's shape
        self.text_budget = text_budget
        self.long_texts = 0
        self.defs = proposal_schema().get("$defs", {})

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        if "$ref" in schema:
            return {**self.defs[schema["$ref"].rsplit("/", 1)[-1]], **schema}
        return schema

    def value(self, schema: Mapping[str, Any], name: str) -> Any:
        schema, rng = self.resolve(schema), self.rng
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return rng.choice(schema["enum"])
        kind = schema.get("type")
        kind = kind[0] if isinstance(kind, list) else kind
        if kind == "object" or "properties" in schema:
            return {k: self.value(sub, k) for k, sub in schema.get("properties", {}).items()}
        if kind == "array":
            return self.array(schema, name)
        if kind == "boolean":
            return rng.random() < 0.7
        if kind in ("integer", "number"):
            low = schema.get("minimum", 0)
            high = min(schema.get("maximum", 10**6), max(low, 1) * 10**5)
            n = rng.randint(int(low), int(high))
            return n if kind == "integer" else round(n + rng.random(), 2)
        if kind == "string":
            return self.string(schema, name)
        return None

    def array(self, schema: Mapping[str, Any], name: str) -> list[Any]:
        items = self.resolve(schema.get("items", {}))
        low, high = schema.get("minItems", 0), schema.get("maxItems", 6)
        if "enum" in items:
            return self.rng.sample(items["enum"], self.rng.randint(max(low, 1), min(high, len(items["enum"]))))
        count = self.rng.randint(max(low, 1), min(high, {"measures": 12, "arrangements": 5}.get(name, 3)))
        return [self.value(items, name) for _ in range(count)]

    def string(self, schema: Mapping[str, Any], name: str) -> str:
        rng = self.rng
        if schema.get("format") == "date":
            return f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if schema.get("format") == "email":
            return f"{rng.choice(_NAMES).split()[0].lower()}.{rng.randint(1, 999)}@example.org"
        special = {"phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                   "version": f"{rng.randint(0, 3)}.{rng.randint(0, 9)}", "identifier": f"Q{rng.randint(1, 999):03d}",
                   "organisation": rng.choice(_ORGS)}
        if name in special:
            return special[name][: schema.get("maxLength", 200)]
        limit = schema.get("maxLength", 200)
        if limit < 1000:
            return _text(rng, rng.randint(12, 60), limit)
        self.long_texts += 1
        return _text(self.text_rng, self.text_budget, limit) if self.text_rng else ""


def _make_plausible(doc: dict[str, Any], rng: random.Random, index: int) -> None:
    """Hand-tune the answers the evaluator reasons about, so findings are mixed rather than random noise."""
    meta = doc["metadata"]
    meta["title"] = f"{rng.choice(_ORGS)} {rng.choice(['Bundled Payment', 'Primary Care', 'Shared Savings'])} " \
                    f"Model #{index}"
    meta["performance_year"] = rng.randint(2019, 2026)
    if isinstance(meta.get("contact"), dict):
        meta["contact"]["name"] = rng.choice(_NAMES)
    risk = doc.get("element_1", {}).get("financial_risk", {})
    if risk:
        risk["percent_at_risk"] = round(rng.uniform(0, 15), 1)
    for line in doc.get("payment", {}).get("lines_of_business", []):
        year = rng.randint(2021, 2025)
        line["reporting_period"] = {"basis": "calendar_year", "start": f"{year}-01-01", "end": f"{year}-12-31"}
        total = rng.randint(10**6, 10**9)
        line["total_dollars"] = total
        remaining = total
        for arrangement in line.get("arrangements", []):
            share = rng.randint(0, remaining // 2)
            arrangement["dollars"] = share
            remaining -= share
            for key in ("combined_with", "annualized", "contract_full_period", "daily_dollars", "annualization_days",
                        "launch_date"):
                if rng.random() < 0.7:
                    arrangement.pop(key, None)


def _thin(doc: dict[str, Any], rng: random.Random, keep: float) -> None:
    """A draft: drop answers at random, keeping about `keep` of them (metadata stays)."""
    for key in list(doc):
        if key == "metadata":
            continue
        value = doc[key]
        if rng.random() > keep:
            del doc[key]
        elif isinstance(value, dict):
            for sub in list(value):
                if rng.random() > keep:
                    del value[sub]


def _break(doc: dict[str, Any], rng: random.Random) -> None:
    """One to three realistic schema mistakes: a typo'd key, a wrong type, an enum typo, a number out of range..."""
    meta = doc["metadata"]
    for _ in range(rng.randint(1, 3)):
        choice = rng.randrange(7)
        if choice == 0:
            meta["orgnisation"] = meta.pop("organisation", "Someone")
        elif choice == 1:
            meta["performance_year"] = str(meta.get("performance_year", 2024))
        elif choice == 2:
            meta["status"] = "finale"
        elif choice == 3:
            doc.setdefault("element_1", {}).setdefault("financial_risk", {})["percent_at_risk"] = 140
        elif choice == 4:
            meta["date"] = "2024-13-45"
        elif choice == 5:
            meta["status"] = "final"
            doc.pop(rng.choice([k for k in proposal_schema()["properties"] if k not in ("metadata",)]), None)
        else:
            doc.setdefault("element_5", {})["payers"] = "medicare"


def _from_example(rng: random.Random) -> dict[str, Any] | None:
    files = sorted(EXAMPLES.glob("*.yaml")) if EXAMPLES.is_dir() else []
    rng.shuffle(files)
    for f in files:
        try:
            return copy.deepcopy(load(f).data)
        except (LoadError, OSError):
            continue
    return None


def _generate(seed: int, index: int, size: int) -> dict[str, Any]:
    """A schema-shaped document of about `size` bytes: count the long answers, then share the bytes among them."""
    dry = _Builder(random.Random(f"{seed}:{index}:shape"), None, 0)
    overhead = len(dumps(dry.value(proposal_schema(), "")))
    budget = max(10, int((size - overhead) / max(1, dry.long_texts) * 0.95))  # 5% for wrapping and indents
    builder = _Builder(random.Random(f"{seed}:{index}:shape"), random.Random(f"{seed}:{index}:text"), budget)
    return builder.value(proposal_schema(), "")


def build(index: int, seed: int = SEED) -> tuple[dict[str, Any], str]:
    """Proposal number `index` of the corpus, and what it is ("valid", "invalid" or "syntax")."""
    rng = random.Random(f"{seed}:{index}")
    status = "final" if rng.random() < 0.55 else "draft"
    size = rng.randint(2_000, MAX_BYTES) if status == "final" else rng.randint(800, MAX_BYTES // 2)
    doc = _from_example(rng) if rng.random() < 0.25 else None
    if doc is None:
        doc = _generate(seed, index, size)
        _make_plausible(doc, rng, index)
    else:
        doc["metadata"]["title"] = f"{doc['metadata'].get('title', 'Example')} (variant {index})"
    doc["metadata"]["status"] = status
    if status == "draft":
        _thin(doc, rng, keep=rng.uniform(0.2, 0.9))
    roll = rng.random()
    kind = "syntax" if roll < SYNTAX_SHARE else "invalid" if roll < SYNTAX_SHARE + INVALID_SHARE else "valid"
    if kind == "invalid":
        _break(doc, rng)
    return doc, kind


def _break_syntax(path: Path, rng: random.Random) -> None:
    """Damage the saved YAML the way hand edits do: a bad indent, an unclosed quote, a tab."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = rng.randrange(2, len(lines))
    lines[at] = rng.choice(["  bad indent: [unclosed\n", 'title: "unterminated\n', "\tkey: tab-indented\n"]) + \
        lines[at]
    write_atomic(path, "".join(lines))


def write_one(folder: str, index: int, seed: int = SEED) -> int:
    doc, kind = build(index, seed)
    path = Path(folder) / f"proposal-{index:05d}.yaml"
    save(path, doc)
    if kind == "syntax":
        _break_syntax(path, random.Random(f"{seed}:{index}:syntax"))
    return path.stat().st_size


def _fingerprint(n: int, seed: int) -> str:
    h = hashlib.sha256(f"{n}:{seed}".encode())
    for f in [Path(__file__), SCHEMA_PATH, *(sorted(EXAMPLES.glob("*.yaml")) if EXAMPLES.is_dir() else [])]:
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def cache_dir() -> Path:
    base = os.environ.get("APM_BENCH_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "apm-designer-bench")
    return Path(base)


def corpus(n: int, seed: int = SEED, *, jobs: int | None = None) -> Path:
    """The folder holding an n-file corpus, generated (in parallel) the first time it is asked for."""
    folder = cache_dir() / f"corpus-{n}-{_fingerprint(n, seed)}"
    if (folder / ".complete").exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    with ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        list(pool.map(write_one, [str(tmp)] * n, range(n), [seed] * n, chunksize=50))
    (tmp / ".complete").touch()
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", help="write here instead of the cache folder")
    args = parser.parse_args(argv)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        for i in range(args.n):
            write_one(args.out, i, args.seed)
        print(args.out)
    else:
        print(corpus(args.n, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
