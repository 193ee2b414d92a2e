"""Legend: status values → the words, colours and patterns the map and the matrix show for them.

One vocabulary for four dimensions (NATO, EU, recognition of Kosovo, leaning), so a colour means
the same on the map and in the matrix, plus the small helpers both use: dates written as a reader
expects (inside the drawings), a state's status in one dimension, and its paragraph marks.

The categories of a dimension read apart without hue too (printed in black and white, or by a
reader who does not see the colours): their fills step in lightness, at least ``GREY_STEP`` grey
levels apart, and where a dimension has more values than the steps allow, a category is hatched
(stripes of its colour on white) or split (two colours side by side) instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..dates import format_when
from ..model import CountryRecord, SourceRef, Status

# Grey levels (ITU-R 601 luma, 0-255, as a greyscale print or Pillow's convert("L") sees them) in
# the comments; each dimension's solid fills are at least GREY_STEP apart.
GREY_STEP = 25
BLUE = "#5d90c3"  # 135: member, recognises Kosovo, toward the West
AMBER = "#e4a13f"  # 170: acceding, candidate (hatched: potential candidate)
SAGE = "#bcd5a4"  # 200: partner
LIGHT_AMBER = "#efc47b"  # 200: applicant
ROSE = "#f3dcd6"  # 226: neither member nor candidate
CORAL = "#e7ad98"  # 188: does not recognise Kosovo
RUST = "#a54c37"  # 100: toward Moscow
TEAL = "#80c0a8"  # 170: close to Israel
STONE = "#d0cdc6"  # 205: outside power
OFF_WHITE = "#f6f3ed"  # 244: Kosovo itself
WHITE = "#ffffff"  # 255: not described
# The document's own colours, for the SVG drawings (SVG attributes cannot read CSS variables);
# they are print.css's :root palette, and a test keeps the two the same.
INK = "#1b1f24"
MUTED = "#5a6270"
RULE = "#c9ced6"
ACCENT = "#1f3a5f"


@dataclass(frozen=True)
class Category:
    """One status value: its legend label, its default text in the matrix, and its fill.

    The fill is ``colour`` (a hex colour), solid unless ``pattern`` says otherwise: "hatch" is
    diagonal stripes of the colour on white, "split" the colour beside ``second``.
    """

    key: str
    label: str
    colour: str
    text: str  # default matrix text; "{since}" is replaced by the formatted date when there is one
    text_undated: str = ""
    pattern: str = ""  # "", "hatch" or "split"
    second: str = ""  # the right half of a split

    @property
    def background(self) -> str:
        """The fill as a CSS background, for the swatches of legends and matrix cells."""
        if self.pattern == "hatch":
            stripe, gap = f"{self.colour} 0, {self.colour} 1.2pt", f"{WHITE} 1.2pt, {WHITE} 2.6pt"
            return f"repeating-linear-gradient(135deg, {stripe}, {gap})"
        if self.pattern == "split":
            return f"linear-gradient(90deg, {self.colour} 50%, {self.second} 50%)"
        return self.colour


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
                AMBER,
                "Potential candidate",
                "Potential candidate",
                pattern="hatch",
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
            Category("divided", "Divided", BLUE, "Divided", pattern="split", second=RUST),
            Category("moscow", "Toward Moscow", RUST, "Toward Moscow"),
            Category("israel", "Close to Israel", TEAL, "Close to Israel"),
            Category("outside-power", "Outside power", STONE, "Outside power"),
            Category("not-described", "Not described", WHITE, "Not described"),
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
    """Where a figure's entry rests in its source: 'para. 5', 'paras. 5, 7', or a locator."""
    if source is None:
        return ""
    if not source.paragraphs:
        return source.locator or ""
    label = "paras." if len(source.paragraphs) > 1 else "para."
    return f"{label} {', '.join(str(n) for n in source.paragraphs)}"
