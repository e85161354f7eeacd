"""JSON Schema of each table, exported from the pydantic models into `schemas/`.

The JSON files are for consumers that do not run Python (CI linting a dataset, other
languages); they are generated, never edited, and a test fails when they are stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plan_etl.models import SCHEMA_VERSION, TABLES


def table_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one row of table `name`, stamped with the schema version."""
    schema = TABLES[name].model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"plan-etl/{name}.schema.json",
        "x-schema-version": SCHEMA_VERSION,
        **schema,
    }


def render(name: str) -> str:
    return json.dumps(table_schema(name), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def export_schemas(directory: Path) -> list[Path]:
    """Write `<table>.json` for every table; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        path = directory / f"{name}.json"
        path.write_text(render(name), encoding="utf-8")
        written.append(path)
    return written
