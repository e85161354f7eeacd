"""`plan-etl validate`: the rules on made-up records, then the command on seeds and on a decree
with a numbering gap, and the committed-dataset checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SEEDS
from typer.testing import CliRunner

from plan_etl.cli import app
from plan_etl.models import Activity, Document
from plan_etl.pipeline import FileResult, ingest
from plan_etl.schemas import export_schemas
from plan_etl.validate import (
    DATASET_RULES,
    DECREE_RULES,
    check_decree,
    continues,
    section_value,
    sequence_issues,
)

runner = CliRunner()


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder, so that the repository's own normalized/ (the default
    --dataset) is never picked up."""
    monkeypatch.chdir(tmp_path)


def rows(*numbers: str | tuple[str, str]) -> list[Activity]:
    """Activities numbered `numbers`; a (section, number) pair sets the section from there on."""
    out, section = [], "1"
    for n in numbers:
        if isinstance(n, tuple):
            section, n = n
        out.append(
            Activity(
                doc_id="d",
                source_file="d.txt",
                row_index=len(out),
                item_number=n,
                section_number=section,
                section_title=f"Раздел {section}",
                activity="Мероприятие",
            )
        )
    return out


def messages(activities: list[Activity]) -> list[str]:
    return [issue.message for issue in sequence_issues(activities)]


# --- numbering ---------------------------------------------------------------------------------


def test_gap_within_a_section_is_named() -> None:
    assert messages(rows("1.1", "1.2", "1.4")) == ["gap: 1.3 missing between 1.2 and 1.4"]


def test_flat_numbering_running_across_sections_is_fine() -> None:
    stavropol = [("I", "1"), *map(str, range(2, 10)), ("II", "10"), "11", ("III", "12"), "13"]
    assert messages(rows(*stavropol)) == []


@pytest.mark.parametrize(
    "numbers",
    [
        ["1.1", "1.2", ("2", "2.1"), "2.2", ("3", "3.1")],  # N.M numbering follows the sections
        ["1.1", "1.2", ("2", "1.1"), "1.2"],  # N.M restarting in every section
        ["1", "2", "3", ("II", "1"), "2"],  # flat, restarting in every section
        ["3", "3.1", "3.2", "4", "4.1"],  # items with sub-items
        ["5", "5а", "5б", "6"],  # inserted items
        ["1.1", "1.2", "1.3", ("2", "2.1")],  # section heading «2» not an item
    ],
)
def test_well_kept_numberings_pass(numbers: list[str | tuple[str, str]]) -> None:
    assert messages(rows(*numbers)) == []


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        (["1.1", "1.2", "1.2", "1.3"], ["duplicate: 1.2 already stands at row 2"]),
        (
            ["1", "2", "3", "1", "2"],
            ["duplicate: 1 already stands at row 1", "duplicate: 2 already stands at row 2"],
        ),
        (
            ["1.1", "1.3", "1.2"],
            ["gap: 1.2 missing between 1.1 and 1.3", "out of order: 1.2 after 1.3"],
        ),
        (["1.1", "1.2", ("3", "3.1")], ["gap: 2 missing between 1.2 and 3.1"]),
        (["1", "2", "6"], ["gap: 3, 4, 5 missing between 2 and 6"]),
        (["1", "2", "9"], ["gap: 3 … 8 missing between 2 and 9"]),
        (["5", "5б", "5а"], ["out of order: 5а after 5б"]),
    ],
)
def test_broken_numberings_are_reported(
    numbers: list[str | tuple[str, str]], expected: list[str]
) -> None:
    assert messages(rows(*numbers)) == expected


def test_continues_and_section_values() -> None:
    assert continues((1, 7), (2,)) and continues((1, 7), (2, 1)) and continues((3,), (3, 1))
    assert not continues((1, 7), (1, 9)) and not continues((3,), (3, 2))
    assert [section_value(s) for s in ("3", "III", "IV", "XIV", "А", None)] == [
        3,
        3,
        4,
        14,
        None,
        None,
    ]


def result(activities: list[Activity], **doc: object) -> FileResult:
    fields = {"doc_id": "d", "source_file": "d.txt", "source_format": "txt", "sha256": "0" * 64}
    fields |= {"region": "Курская область", "row_count": len(activities), **doc}
    return FileResult(Document.model_validate(fields), activities)


def fired(res: FileResult) -> set[str]:
    return {f.rule for f in check_decree(res).findings}


def test_start_prefix_format_activity_rules() -> None:
    assert "numbering-start" in fired(result(rows("2.1", "2.2")))
    assert "numbering-start" not in fired(result(rows(("3", "3.1"), "3.2")))
    assert "section-prefix" in fired(result(rows(("3", "2.3"))))
    assert "section-prefix" not in fired(result(rows(("III", "3.1"))))
    assert "numbering-format" in fired(result(rows("1", "2.")))
    empty = rows("1")[0].model_copy(update={"activity": " "})
    assert "activity-present" in fired(result([empty]))


def test_region_deadline_and_match_rules() -> None:
    acts = rows("1", "2", "3")
    assert "region-present" in fired(result(acts, region=None))
    assert "region-present" not in fired(
        result([], status="failed", error="empty file", region=None)
    )
    weird = acts[0].model_copy(update={"deadline_raw": "по согласованию с кем-нибудь"})
    recurring = acts[1].model_copy(update={"deadline_raw": "ежегодно"})
    findings = check_decree(result([weird, recurring, acts[2]])).findings
    assert [(f.rule, f.item_number) for f in findings if f.rule == "deadline-parsed"] == [
        ("deadline-parsed", "1")
    ]
    matched = [a.model_copy(update={"match_status": "matched"}) for a in acts]
    assert "match-share" not in fired(result(matched))
    assert "match-share" in fired(result([matched[0], *acts[1:]]))  # 2 of 3 unmatched


def test_row_kept_with_a_doubt_is_named_and_long_numbers_are_fine() -> None:
    acts = rows(*(str(n) for n in range(998, 1003)))
    doubt = "placed with doubt: its number cell held words, read as the activity"
    acts[2] = acts[2].model_copy(update={"warnings": [doubt]})
    findings = check_decree(result(acts)).findings
    numbering = {"numbering-format", "numbering-sequence"}
    assert not [f for f in findings if f.rule in numbering]  # four digits are a number too
    doubts = [f for f in findings if f.rule == "row-placed-with-doubt"]
    assert [(f.severity, f.item_number, f.message) for f in doubts] == [("warning", "1000", doubt)]


def test_failed_decree_is_one_error_naming_the_cause() -> None:
    report = check_decree(result([], status="failed", error="encrypted PDF: a password is needed"))
    assert [(f.rule, f.severity, f.message) for f in report.findings] == [
        ("plan-table", "error", "encrypted PDF: a password is needed")
    ]
    assert report.verdict == "errors"


def test_every_rule_is_named_with_a_severity_and_a_doc() -> None:
    for rule in [*DECREE_RULES.values(), *DATASET_RULES.values()]:
        assert rule.severity in ("error", "warning") and rule.doc and rule.name == rule.name.lower()
    assert {
        "plan-table",
        "numbering-sequence",
        "activity-present",
        "deadline-parsed",
        "match-share",
        "region-present",
    } <= set(DECREE_RULES)
    assert {"dataset-fresh", "dataset-schema", "dataset-descriptor"} == set(DATASET_RULES)


# --- the command -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder: raw/ with the seeds, normalized/ ingested from it, schemas/."""
    root = tmp_path_factory.mktemp("project")
    (root / "raw").mkdir()
    for seed in SEEDS:
        shutil.copy(seed, root / "raw" / seed.name)
    ingest(root / "raw", root / "normalized", jobs=2, use_cache=False)
    export_schemas(root / "schemas")
    return root


def invoke(*args: str | Path) -> tuple[int, str]:
    res = runner.invoke(app, ["validate", *map(str, args)])
    return res.exit_code, res.output


def test_seeds_validate_clean(project: Path) -> None:
    code, out = invoke(project / "raw", "--dataset", project / "normalized", "--jobs", "2")
    assert code == 0, out
    lines = out.splitlines()
    for seed in SEEDS:
        assert any(
            line.endswith(seed.name) or f"{seed.name} " in line for line in lines[: len(SEEDS)]
        )
    assert "(dataset)  fresh, conforms to schemas/" in out
    assert "0 with errors; dataset ok" in out


def test_decree_with_a_numbering_gap_fails(project: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    seed = SEEDS[0].read_text(encoding="utf-8").splitlines(keepends=True)
    assert sum(line.startswith("2.3.\t") for line in seed) == 1
    (raw / "gap.txt").write_text("".join(x for x in seed if not x.startswith("2.3.\t")), "utf-8")
    shutil.copy(SEEDS[1], raw / SEEDS[1].name)
    code, out = invoke(raw, "--jobs", "2", "--format", "json")
    assert code == 1, out
    report = json.loads(out)
    assert report["exit_code"] == 1 and report["dataset"] is None
    verdicts = {d["file"]: d["verdict"] for d in report["decrees"]}
    assert verdicts == {"gap.txt": "errors", SEEDS[1].name: "ok"}
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert errors == [
        {
            "file": "gap.txt",
            "item_number": "2.4",
            "rule": "numbering-sequence",
            "severity": "error",
            "message": "gap: 2.3 missing between 2.2 and 2.4",
        }
    ]
    assert report["rules"]["numbering-sequence"]["severity"] == "error"
    _, text = invoke(raw, "--jobs", "2")
    assert "error    gap.txt item 2.4: [numbering-sequence] gap: 2.3 missing" in text
    assert "errors   gap.txt  40 rows  (1 error)" in text.splitlines()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert invoke(tmp_path / "nowhere")[0] == 2
    assert invoke(tmp_path, "--dataset", tmp_path / "nowhere")[0] == 2
    assert invoke(tmp_path, "--format", "yaml")[0] == 2
    assert invoke(tmp_path, "--no-such-option")[0] == 2


def test_stale_dataset_names_the_changed_decrees(project: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(project / "raw", raw)
    (raw / SEEDS[0].name).unlink()
    code, out = invoke(raw, "--dataset", project / "normalized", "--jobs", "2")
    assert code == 1
    assert f"[dataset-fresh] stale, gone from raw/: {SEEDS[0].name}: run `plan-etl ingest`" in out
    assert "activities.parquet" in out and "documents.parquet" in out


def test_dataset_not_conforming_to_the_contract(project: Path, tmp_path: Path) -> None:
    dataset = tmp_path / "normalized"
    shutil.copytree(project / "normalized", dataset)
    export_schemas(tmp_path / "schemas")
    table = pq.read_table(dataset / "activities.parquet")
    as_text = table.set_column(
        table.schema.get_field_index("deadline_date"),
        "deadline_date",
        table.column("deadline_date").cast(pa.string()),
    )
    pq.write_table(as_text, dataset / "activities.parquet")
    docs = pq.read_table(dataset / "documents.parquet")
    bad_status = docs.set_column(
        docs.schema.get_field_index("status"),
        docs.schema.field("status"),
        pa.array(["done"] * docs.num_rows),
    ).replace_schema_metadata(docs.schema.metadata)
    pq.write_table(bad_status, dataset / "documents.parquet")
    (tmp_path / "schemas" / "catalogue.json").write_text("{}", encoding="utf-8")
    schemas = ("--schemas", tmp_path / "schemas")
    code, out = invoke(
        project / "raw", "--dataset", dataset, *schemas, "--jobs", "2", "--format", "json"
    )
    assert code == 1
    found = {
        (f["rule"], Path(f["file"]).name, f["message"].split(":")[0])
        for f in json.loads(out)["findings"]
    }
    assert ("dataset-schema", "activities.parquet", "Arrow schema is not the contract's") in found
    assert ("dataset-schema", "documents.parquet", "row 0") in found
    assert ("dataset-schema", "catalogue.json", "differs from the models") in found
    assert ("dataset-fresh", "activities.parquet", "stale, columns retyped") in found
    stale_descriptor = "does not describe the committed files"
    assert ("dataset-descriptor", "datapackage.json", stale_descriptor) in found
