"""Legend: status values → the words and colours the map and the matrix show for them.

One vocabulary for four dimensions (NATO, EU, recognition of Kosovo, leaning), so a colour means
the same on the map and in the matrix, plus the small helpers both use: dates written as a reader
expects (inside the drawings), a state's status in one dimension, and its paragraph marks.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..dates import format_when
from ..model import CountryRecord, SourceRef, Status

BLUE = "#7ea7cf"
SAGE = "#b9d39f"
AMBER = "#e8ad58"
LIGHT_AMBER = "#f1cc8e"
PALE_AMBER = "#f7e3bd"
ROSE = "#ebc6bd"
CORAL = "#e0967a"
RUST = "#c66b55"
TEAL = "#7dbfa6"
STONE = "#b9b4ab"
OFF_WHITE = "#f6f3ed"
# The document's own colours, for the SVG drawings (SVG attributes cannot read CSS variables);
# they are print.css's :root palette, and a test keeps the two the same.
INK = "#1b1f24"
MUTED = "#5a6270"
RULE = "#c9ced6"
ACCENT = "#1f3a5f"


@dataclass(frozen=True)
class Category:
    """One status value: its legend label, its default text in the matrix, and its colour."""

    key: str
    label: str
    colour: str
    text: str  # default matrix text; "{since}" is replaced by the formatted date when there is one
    text_undated: str = ""


@dataclass(frozen=True)
class Dimension:
    """One kind of status (a column of the matrix, or what the map is coloured by)."""

    key: str
    heading: str  # the matrix column's heading
    short: str  # the column's name in the matrix legend
    map_title: str  # what the map shows when coloured by it
    categories: tuple[Category, ...]
    highlight: tuple[str, ...] = ()  # statuses outlined on the map

    def category(self, key: str) -> Category:
        """Return the category for a status value."""
        return next(c for c in self.categories if c.key == key)


DIMENSIONS: dict[str, Dimension] = {
    "nato": Dimension(
        "nato",
        "NATO",
        "NATO",
        "NATO membership",
        (
            Category("member", "Member", BLUE, "Member since {since}", "Member"),
            Category("acceding", "Invited, acceding", AMBER, "Acceding since {since}", "Acceding"),
            Category("partner", "Partner", SAGE, "Partner since {since}", "Partner"),
            Category("none", "Neither member nor partner", ROSE, "None", "None"),
        ),
        highlight=("acceding",),
    ),
    "eu": Dimension(
        "eu",
        "European Union",
        "EU",
        "EU membership",
        (
            Category("member", "Member", BLUE, "Member since {since}", "Member"),
            Category("candidate", "Candidate", AMBER, "Candidate since {since}", "Candidate"),
            Category("applicant", "Applicant", LIGHT_AMBER, "Applied {since}", "Applicant"),
            Category(
                "potential-candidate",
                "Potential candidate",
                PALE_AMBER,
                "Potential candidate",
                "Potential candidate",
            ),
            Category("none", "Not a member or candidate", ROSE, "None", "None"),
        ),
    ),
    "kosovo": Dimension(
        "kosovo",
        "Recognises Kosovo",
        "Kosovo",
        "Recognition of Kosovo",
        (
            Category("recognises", "Recognises Kosovo", BLUE, "Yes, since {since}", "Yes"),
            Category("does-not-recognise", "Does not recognise Kosovo", CORAL, "No", "No"),
            Category(
                "self",
                "Declared independence in 2008",
                OFF_WHITE,
                "Declared independence {since}",
                "Kosovo",
            ),
        ),
        highlight=("self",),
    ),
    "leaning": Dimension(
        "leaning",
        "Leaning, as the article describes it",
        "Leaning",
        "Leaning",
        (
            Category("west", "Toward the West", BLUE, "Toward the West"),
            Category(
                "divided", "Divided", f"linear-gradient(90deg, {BLUE} 50%, {RUST} 50%)", "Divided"
            ),
            Category("moscow", "Toward Moscow", RUST, "Toward Moscow"),
            Category("israel", "Close to Israel", TEAL, "Close to Israel"),
            Category("outside-power", "Outside power", STONE, "Outside power"),
            Category("not-described", "Not described", "transparent", "Not described"),
        ),
    ),
}


def status_of(country: CountryRecord, dimension: str) -> Status | None:
    """The state's entry in one dimension (None when a leaning is not given)."""
    return getattr(country, dimension)


def status_key(country: CountryRecord, dimension: str) -> str:
    """The state's status value in one dimension; an absent leaning is 'not-described'."""
    entry = status_of(country, dimension)
    # Every Status subclass (NATO, EU, Kosovo, leaning) has a status; the base class does not.
    return entry.status if entry is not None else "not-described"  # type: ignore[attr-defined]


def status_text(country: CountryRecord, dimension: str) -> str:
    """What the matrix says in a cell: the entry's own detail, else the category's wording."""
    entry = status_of(country, dimension)
    category = DIMENSIONS[dimension].category(status_key(country, dimension))
    if entry is not None and entry.detail:
        return entry.detail
    if entry is not None and entry.since and "{since}" in category.text:
        return category.text.format(since=format_when(entry.since))
    return category.text_undated or category.text


def cite(source: SourceRef | None) -> str:
    """Paragraph marks for a seed reference: '¶5' or '¶5, 7'."""
    if source is None:
        return ""
    return "¶" + ", ".join(str(n) for n in source.paragraphs)
