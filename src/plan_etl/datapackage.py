"""The dataset's Frictionless Data Package descriptor (`datapackage.json`), from the models.

Open-data tooling (frictionless, CKAN, the R and JS Data Package readers) discovers a
dataset by this file: which tables there are, where, their fields and types, and the bytes
and hash that prove a copy complete. It is generated from the pydantic models (the single
source of the schema) and from the Parquet files on disk, never edited by hand.

Data Package v2 rather than v1: neither names Parquet as a format (both allow any `format`
and `mediatype`), but v2 adds what this dataset needs and v1 lacks — `categories` for the
enumerated status columns (what R and pandas load as a factor/categorical, as `plan_etl.load`
does) and `$schema` to say which profile the descriptor follows.

The descriptor is written so that `frictionless validate datapackage.json` (frictionless-py 5)
checks the published files and finds them valid. frictionless reads Parquet through pandas,
and three things follow (measured; the tests keep them honest):
- list and struct columns arrive as NumPy arrays and dicts, which its `array` and `object`
  types reject, so they are typed `any`; the Parquet type (`list<string>`, the struct's keys)
  is in the field's description — the one thing the descriptor cannot have it check;
- a nullable integer column arrives as floats with NaN, so such fields list `"nan"` among
  their `missingValues` (a real integer is still checked as one);
- it cannot count a Parquet file's bytes (it reports `byte-count` against `None`), so `bytes`
  is left out; the SHA-256 `hash` stays for any tool that checks the file.
The descriptor is deterministic (no timestamps, sorted keys, stable order) so that a dataset
rebuilt from the same sources is byte-for-byte the same, `datapackage.json` included.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from pydantic import BaseModel

from plan_etl.atomic import write_atomically
from plan_etl.models import SCHEMA_VERSION, TABLES

FILENAME = "datapackage.json"
PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
TABLE_SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"  # IANA-registered in 2024

# Keys are a property of the data contract (DATASET.md), not of a row model: doc_id is unique
# in documents, a copy of a decree having its own doc_id and `duplicate_of` the original's.
PRIMARY_KEYS: dict[str, list[str]] = {
    "activities": ["doc_id", "row_index"],
    "documents": ["doc_id"],
    "catalogue": ["catalogue_id"],
    "amendments": ["doc_id", "change_index"],
    "in_force": ["doc_id", "row_index"],  # one plan in force per chain, from one decree
}
FOREIGN_KEYS: dict[str, list[dict[str, Any]]] = {
    "activities": [
        {"fields": ["doc_id"], "reference": {"resource": "documents", "fields": ["doc_id"]}},
        {
            "fields": ["catalogue_id"],
            "reference": {"resource": "catalogue", "fields": ["catalogue_id"]},
        },
    ],
    "amendments": [
        {"fields": ["doc_id"], "reference": {"resource": "documents", "fields": ["doc_id"]}},
    ],
    "in_force": [
        {"fields": ["doc_id"], "reference": {"resource": "documents", "fields": ["doc_id"]}},
        {"fields": ["base_doc_id"], "reference": {"resource": "documents", "fields": ["doc_id"]}},
        {
            "fields": ["catalogue_id"],
            "reference": {"resource": "catalogue", "fields": ["catalogue_id"]},
        },
    ],
}

_SCALAR_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


def _non_null(prop: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The property's schema without its `null` alternative and with a `$ref` to a nested
    model inlined, and whether null is allowed."""
    options = prop.get("anyOf", [prop])
    rest = [o for o in options if o.get("type") != "null"]
    schema = {**prop, **rest[0]}
    if "$ref" in schema:
        schema = {**defs[schema.pop("$ref").rsplit("/", 1)[-1]], **schema}
    return schema, len(rest) < len(options)


def field_descriptor(name: str, prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A Table Schema field from one property of the model's JSON Schema, in the types that
    frictionless can check on Parquet read through pandas (module docstring)."""
    schema, nullable = _non_null(prop, defs)
    kind = schema.get("type")
    field: dict[str, Any] = {"name": name}
    constraints: dict[str, Any] = {"required": not nullable}
    description = schema.get("description", "").strip()
    if kind == "string" and schema.get("format") == "date":
        field["type"] = "date"
    elif kind in _SCALAR_TYPES:
        field["type"] = _SCALAR_TYPES[kind]
    elif kind in ("array", "object"):
        field["type"] = "any"
        parquet = f"{_UNCHECKED} {_parquet_type(schema, defs)}."
        description = f"{description.rstrip('.')}. {parquet}" if description else parquet
    else:
        raise TypeError(f"{name}: no Table Schema type for JSON Schema {schema}")
    if field["type"] == "integer" and nullable:
        field["missingValues"] = ["", "nan"]
    if description:
        field["description"] = description
    if "enum" in schema:
        field["categories"] = list(schema["enum"])
        constraints["enum"] = list(schema["enum"])
    for bound in ("minimum", "maximum"):
        if bound in schema:
            constraints[bound] = schema[bound]
    field["constraints"] = constraints
    return field


_UNCHECKED = (
    "Typed `any` because frictionless reads Parquet through pandas (NumPy arrays); Parquet type:"
)


def _parquet_type(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    """`list<string>`, `list<struct<act_type, act_number, act_date>>`: for the description."""
    if schema.get("type") == "array":
        item, _ = _non_null(schema["items"], defs)
        return f"list<{_parquet_type(item, defs)}>"
    if schema.get("type") == "object":
        return f"struct<{', '.join(schema['properties'])}>"
    return "date" if schema.get("format") == "date" else str(schema.get("type"))


def table_schema(name: str) -> dict[str, Any]:
    """The Table Schema of table `name`: its model's fields in column order, and its keys."""
    model: type[BaseModel] = TABLES[name]
    json_schema = model.model_json_schema()
    defs = json_schema.get("$defs", {})
    fields = [field_descriptor(n, p, defs) for n, p in json_schema["properties"].items()]
    schema: dict[str, Any] = {
        "$schema": TABLE_SCHEMA_PROFILE,
        "fields": fields,
        "primaryKey": PRIMARY_KEYS[name],
    }
    if name in FOREIGN_KEYS:
        schema["foreignKeys"] = FOREIGN_KEYS[name]
    return schema


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resource_descriptor(out_dir: Path, name: str) -> dict[str, Any]:
    """One table as a Data Resource: where its file is, its hash and row count (no `bytes`:
    see the module docstring)."""
    path = out_dir / f"{name}.parquet"
    doc = (TABLES[name].__doc__ or "").strip()
    return {
        "name": name,
        "type": "table",
        "path": path.name,
        "format": "parquet",
        "mediatype": PARQUET_MEDIATYPE,
        "hash": f"sha256:{_sha256(path)}",
        "rows": pq.ParquetFile(path).metadata.num_rows,
        "description": doc,
        "schema": table_schema(name),
    }


def build_descriptor(out_dir: Path) -> dict[str, Any]:
    """The whole package descriptor for the Parquet tables in `out_dir`."""
    return {
        "$schema": PACKAGE_PROFILE,
        "name": "plan-etl-roadmaps",
        "title": "Regional client-centricity roadmaps (планы внедрения клиентоцентричности)",
        "description": (
            "Plan items of Russian regional client-centricity roadmap decrees, one row per "
            "item, matched to the federal template catalogue; one row per decree with its "
            "act metadata and extraction status; and the catalogue itself. "
            "Built by `plan-etl ingest`; `frictionless validate datapackage.json` checks it. "
            "List and struct columns are typed `any` (frictionless reads Parquet through "
            "pandas); their Parquet types are in the field descriptions."
        ),
        "version": SCHEMA_VERSION,
        "resources": [resource_descriptor(out_dir, name) for name in TABLES],
    }


def render(descriptor: dict[str, Any]) -> str:
    """The descriptor as stable text: sorted keys, so equal datasets give equal files."""
    return json.dumps(descriptor, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_datapackage(out_dir: Path) -> Path:
    """Write `out_dir/datapackage.json` atomically (temp file, fsync, rename)."""
    target = out_dir / FILENAME
    write_atomically(target, render(build_descriptor(out_dir)).encode("utf-8"), durable=True)
    return target
