"""The decree rules: one file's records (its `Document` and `Activity` rows) judged alike
whatever format they were read from."""

from __future__ import annotations

from collections.abc import Iterator

from plan_etl.assemble import DOUBTFUL
from plan_etl.normalize.dates import parse_deadline
from plan_etl.task import FileResult
from plan_etl.validate.numbering import ItemNumber, section_value, sequence_issues, starts_outline
from plan_etl.validate.rules import Issue, decree_rule
from plan_etl.vocabulary import ITEM_NUMBER

REVIEW_SHARE_LIMIT = 0.30
"""Above this share of rows in `review` or `unmatched`, a decree gets a `match-share` warning.

Regional plans follow the federal template, so most of their rows match a catalogue item (on
the five seed decrees every row does). A decree with a third of its rows undecided is either
not a client-centricity plan (a different programme) or was read badly enough to garble its
activities, and both are worth a person's look before publishing. It is a warning, not an
error: a plan may legitimately carry many items of its own that no template item covers.
"""

METADATA_FIELDS = ("issuer", "act_type", "act_number", "act_date")
"""`documents` fields besides the region that identify the act; missing ones are a warning,
since an agency's plan or an annex published alone may lack them (the Stavropol seed does).
The title is left out: decrees are often published without a title line (the Dagestan seed)."""


@decree_rule("plan-table", "error")
def plan_table_found(result: FileResult) -> Iterator[Issue]:
    """The file was read and a plan table with item rows was found in it."""
    doc = result.document
    if doc.duplicate_of:
        return  # its rows are its original's: `duplicate` reports it
    if result.amendments and doc.status != "failed":
        return  # an amending decree: its changes are its content (`amendment-not-applied`)
    if doc.status == "failed" or not result.activities:
        yield Issue(doc.error or "no plan rows extracted")


@decree_rule("duplicate", "warning")
def not_a_duplicate(result: FileResult) -> Iterator[Issue]:
    """The decree is in raw/ once: no other file holds the same act (bytes, act or rows).
    A warning: an analyst may keep a decree's PDF beside its DOCX, and ingest keeps one."""
    if result.document.duplicate_of:
        yield Issue(result.document.error or f"duplicate of {result.document.duplicate_of}")


@decree_rule("partial-read", "warning")
def read_without_doubts(result: FileResult) -> Iterator[Issue]:
    """The extractor read the decree without repairs or doubts at document level."""
    doc = result.document
    if doc.status == "partial":
        yield Issue(f"read with problems: {doc.error or 'no details'}")


@decree_rule("row-placed-with-doubt", "warning")
def row_placed_with_doubt(result: FileResult) -> Iterator[Issue]:
    """Every row was read as an item with certainty (none kept with a doubt about its cells)."""
    for row in result.activities:
        for warning in row.warnings:
            if warning.startswith(DOUBTFUL):
                yield Issue(warning, row.item_number)


@decree_rule("numbering-format", "error")
def numbering_format(result: FileResult) -> Iterator[Issue]:
    """Every item number is digits separated by dots, optionally one letter, no trailing dot."""
    for row in result.activities:
        if not ITEM_NUMBER.match(row.item_number) or row.item_number.endswith("."):
            yield Issue(f"malformed item number {row.item_number!r}", row.item_number)


@decree_rule("numbering-sequence", "error")
def numbering_sequence(result: FileResult) -> Iterator[Issue]:
    """Item numbers run in order without gaps or duplicates (restarts allowed per section)."""
    yield from sequence_issues(result.activities)


@decree_rule("numbering-start", "warning")
def numbering_start(result: FileResult) -> Iterator[Issue]:
    """The first item is numbered 1 (or 1.1, or N.1 in section N): no leading item was lost."""
    if not result.activities:
        return
    first = result.activities[0]
    number = ItemNumber.parse(first.item_number)
    if number and not starts_outline(number.levels, first.section_number):
        yield Issue(f"numbering starts at {first.item_number}, not at 1", first.item_number)


@decree_rule("section-prefix", "warning")
def section_prefix(result: FileResult) -> Iterator[Issue]:
    """An item numbered N.M stands in section N (or its Roman numeral)."""
    for row in result.activities:
        number, section = ItemNumber.parse(row.item_number), section_value(row.section_number)
        if (
            number
            and len(number.levels) > 1
            and section is not None
            and number.levels[0] != section
        ):
            yield Issue(f"item stands in section {row.section_number}", row.item_number)


@decree_rule("activity-present", "error")
def activity_present(result: FileResult) -> Iterator[Issue]:
    """Every row has an activity text."""
    for row in result.activities:
        if not row.activity.strip():
            yield Issue("empty activity", row.item_number)


@decree_rule("deadline-parsed", "warning")
def deadline_parsed(result: FileResult) -> Iterator[Issue]:
    """Every deadline is a date or period, done, explicitly recurring, or empty."""
    for row in result.activities:
        if not row.deadline_raw or row.deadline_date is not None or row.deadline_done:
            continue
        deadline = parse_deadline(row.deadline_raw)
        if not deadline.recurring:
            yield Issue(
                deadline.warning or f"deadline not understood: {row.deadline_raw!r}",
                row.item_number,
            )


@decree_rule("match-share", "warning")
def match_share(result: FileResult) -> Iterator[Issue]:
    """At most REVIEW_SHARE_LIMIT of the rows are in review or unmatched."""
    rows = result.activities
    review = sum(1 for r in rows if r.match_status == "review")
    unmatched = sum(1 for r in rows if r.match_status == "unmatched")
    if rows and (review + unmatched) / len(rows) > REVIEW_SHARE_LIMIT:
        share = (review + unmatched) / len(rows)
        yield Issue(
            f"{share:.0%} of {len(rows)} rows not matched with confidence "
            f"({review} review, {unmatched} unmatched; limit {REVIEW_SHARE_LIMIT:.0%})"
        )


@decree_rule("region-present", "error")
def region_present(result: FileResult) -> Iterator[Issue]:
    """A decree that was read names its region."""
    if result.document.status != "failed" and not result.document.region:
        yield Issue("region not found in the decree's heading or title")


@decree_rule("metadata", "warning")
def metadata_complete(result: FileResult) -> Iterator[Issue]:
    """A decree that was read names its issuer, act type, act number and act date."""
    doc = result.document
    if doc.status == "failed":
        return
    missing = [name for name in METADATA_FIELDS if getattr(doc, name) is None]
    if missing:
        yield Issue(f"not found: {', '.join(missing)}")


@decree_rule("amendment-not-applied", "warning")
def amendment_applied(result: FileResult) -> Iterator[Issue]:
    """Every change of an amending decree was applied to the plan it names.

    Applied means: the item is there, once; an added item is not there yet; the words an edit
    replaces stand in the cell. A change that is not is kept in amendments.parquet, unapplied.
    """
    for problem in result.not_applied:
        yield Issue(
            f"change {problem.change_index} not applied: {problem.message}", problem.item_number
        )
