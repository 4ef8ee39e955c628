"""Where the files that ship with apm-designer live.

In a source checkout (and an editable install) `schemas/`, `templates/` and `proposals/models/` sit at the repository
root beside the package; a wheel carries them inside the package. Both layouts resolve here and nowhere else.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


SCHEMAS_DIR = _shipped("schemas")
TEMPLATES_DIR = _shipped("templates")
DATA_DIR = PACKAGE_DIR / "data"
MODELS_DIR = _shipped("proposals/models")  # the library of real CMS models (apm_designer.cms_models)
SCHEMA_PATH = SCHEMAS_DIR / "proposal.schema.json"


def load_data(name: str) -> Any:
    """A YAML file of ours from `data/`, read with libyaml's C loader where it is built in (ten times faster)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with (DATA_DIR / name).open(encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)  # a safe loader, on our own file


@cache
def proposal_schema() -> dict[str, Any]:
    """The proposal JSON Schema, parsed once per process."""
    with SCHEMA_PATH.open(encoding="utf-8") as f:
        return json.load(f)
