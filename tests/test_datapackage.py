"""datapackage.json: a valid Frictionless descriptor that matches the Parquet files it lists.

The tests validate (1) the published folder as `frictionless validate datapackage.json` does,
and that this check can fail; (2) the descriptor with frictionless's Data Package profiles;
(3) the files' hashes, row counts and columns against the descriptor directly (frictionless
does not hash Parquet); (4) the data against the Table Schemas by giving frictionless the
Parquet rows as Python values, where it also checks the foreign keys.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SEEDS
from frictionless import Package, validate

from plan_etl.datapackage import FILENAME, build_descriptor, render
from plan_etl.models import TABLES
from plan_etl.pipeline import ingest

ARROW_TO_TABLE_SCHEMA = {
    "string": "string",
    "int32": "integer",
    "int64": "integer",
    "double": "number",
    "bool": "boolean",
    "date32[day]": "date",
}


@pytest.fixture(scope="module")
def raw(seed_raw: Path) -> Path:
    return seed_raw


@pytest.fixture(scope="module")
def dataset(seed_dataset: Path) -> Path:
    return seed_dataset


@pytest.fixture(scope="module")
def descriptor(dataset: Path) -> dict[str, Any]:
    return json.loads((dataset / FILENAME).read_text(encoding="utf-8"))


def test_descriptor_is_valid_data_package(descriptor: dict[str, Any], dataset: Path) -> None:
    errors = [e.message for e in Package.metadata_validate(descriptor)]
    assert errors == []
    package = Package.from_descriptor(descriptor, basepath=str(dataset))
    assert package.resource_names == list(TABLES)
    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"


def test_fields_equal_parquet_columns(descriptor: dict[str, Any], dataset: Path) -> None:
    for resource in descriptor["resources"]:
        schema = pq.read_schema(dataset / resource["path"])
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == schema.names
        for field in fields:
            arrow = schema.field(field["name"])
            if pa.types.is_list(arrow.type):
                assert field["type"] == "any"
                assert "Parquet type: list<" in field["description"], field["name"]
            elif pa.types.is_struct(arrow.type):  # amendments.target, amendments.row
                assert field["type"] == "any"
                assert "Parquet type: struct<" in field["description"], field["name"]
            else:
                assert field["type"] == ARROW_TO_TABLE_SCHEMA[str(arrow.type)], field["name"]
            assert field["constraints"]["required"] is not arrow.nullable, field["name"]


def test_frictionless_validate_accepts_the_published_folder(dataset: Path) -> None:
    """What `frictionless validate datapackage.json` runs: the Parquet files read by
    frictionless itself, types, constraints and keys included."""
    report = validate(str(dataset / FILENAME))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    # amendments: none among the seeds (an empty table has no row count); in_force: every row
    rows = [task.stats.get("rows", 0) for task in report.tasks]
    assert rows == [263, len(SEEDS), 110, 0, 263]


def test_frictionless_validate_can_fail(
    descriptor: dict[str, Any], dataset: Path, tmp_path: Path
) -> None:
    """The check above reads the data: a constraint the data breaks is reported."""
    for path in dataset.glob("*.parquet"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    descriptor = copy.deepcopy(descriptor)
    fields = descriptor["resources"][0]["schema"]["fields"]
    status = next(f for f in fields if f["name"] == "match_status")
    status["constraints"]["enum"] = ["review", "unmatched"]
    (tmp_path / FILENAME).write_text(json.dumps(descriptor), encoding="utf-8")
    report = validate(str(tmp_path / FILENAME))
    assert not report.valid
    assert {row[0] for row in report.flatten(["type"])} == {"constraint-error"}


def test_hash_and_rows_match_the_files(descriptor: dict[str, Any], dataset: Path) -> None:
    for resource in descriptor["resources"]:
        path = dataset / resource["path"]
        assert resource["format"] == "parquet"
        assert resource["mediatype"] == "application/vnd.apache.parquet"
        assert "bytes" not in resource  # frictionless cannot count a Parquet file's bytes
        assert resource["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        assert resource["rows"] == pq.read_metadata(path).num_rows
    rows = {r["name"]: r["rows"] for r in descriptor["resources"]}
    assert rows["activities"] == 263 and rows["documents"] == len(SEEDS)


def inline(descriptor: dict[str, Any], dataset: Path) -> list[dict[str, Any]]:
    """The descriptor's resources with the Parquet rows inlined as Python values."""
    resources = []
    for resource in descriptor["resources"]:
        table = pq.read_table(dataset / resource["path"])
        data = [table.column_names, *([*row.values()] for row in table.to_pylist())]
        resources.append({"name": resource["name"], "data": data, "schema": resource["schema"]})
    return resources


def test_data_satisfies_the_table_schemas(descriptor: dict[str, Any], dataset: Path) -> None:
    report = Package.from_descriptor({"resources": inline(descriptor, dataset)}).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_a_broken_foreign_key_is_caught(descriptor: dict[str, Any], dataset: Path) -> None:
    """The check above can fail: a catalogue id that is not in the catalogue is reported."""
    resources = inline(descriptor, dataset)
    header, first = resources[0]["data"][:2]
    first[header.index("catalogue_id")] = "no.such_item"
    report = Package.from_descriptor({"resources": resources}).validate()
    assert [row[0] for row in report.flatten(["type"])] == ["foreign-key"]


def test_descriptions_come_from_the_models(descriptor: dict[str, Any]) -> None:
    fields = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}
    assert (
        fields["doc_id"]["description"] == TABLES["activities"].model_fields["doc_id"].description
    )
    amended = "list<struct<act_type, act_number, act_date>>"
    assert fields["amended_by"]["description"].endswith(f"Parquet type: {amended}.")
    assert fields["match_status"]["categories"] == ["matched", "review", "unmatched"]
    assert fields["responsible"]["description"].endswith("Parquet type: list<string>.")
    assert fields["page_first"]["missingValues"] == ["", "nan"]
    assert descriptor["resources"][0]["schema"]["primaryKey"] == ["doc_id", "row_index"]


def test_written_atomically_and_deterministically(raw: Path, dataset: Path, tmp_path: Path) -> None:
    text = (dataset / FILENAME).read_text(encoding="utf-8")
    assert text == render(build_descriptor(dataset))
    assert not [p for p in dataset.iterdir() if ".tmp-" in p.name]
    ingest(raw, tmp_path, jobs=1, cache_dir=raw.parent / "cache")
    assert (tmp_path / FILENAME).read_text(encoding="utf-8") == text
