"""Synthetic project: a point count → a project folder the loader accepts, for benchmarking.

Writes ``content/*.yaml`` with N points (default 5,000) spread over T topics (default 50), and
copies the real ``briefing.yaml``, ``seeds/``, ``templates/`` and ``content/data/`` (the figures'
data) in, so every audience works as it does for the real book. The topics the audience profiles
name come first, so their lists resolve. The text is generated from a fixed vocabulary with a
fixed random seed: the same arguments give the same files. Kinds, priorities and markings are
mixed so every audience takes a share; ``body_share`` sets how many points carry a body, which
decides how many pages the long documents run to.

    .venv/bin/python bench/synthetic.py /tmp/synthetic --points 5000 --topics 50
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

_WORDS = (
    "ministry delegation pipeline corridor tender summit ceasefire border mission treaty "
    "parliament coalition election sanction embassy visit memorandum exercise contract port "
    "airspace drone radar cyber grid tariff loan budget census referendum monitor mandate "
    "council envoy protocol dialogue agreement framework investment terminal refinery railway "
    "garrison patrol checkpoint minority enclave recognition accession benchmark chapter"
)
_ADJECTIVES = (
    "regional bilateral strategic technical provisional contested informal long-delayed "
    "joint modest sizeable renewed cautious public internal northern southern coastal"
)
_VERBS = (
    "signed postponed approved rejected extended reviewed announced questioned financed "
    "expanded suspended confirmed drafted proposed"
)
WORDS, ADJECTIVES, VERBS = (_WORDS.split(), _ADJECTIVES.split(), _VERBS.split())
COUNTRIES = (
    "AL",
    "BA",
    "BG",
    "CY",
    "GR",
    "HR",
    "IL",
    "ME",
    "MK",
    "RO",
    "RS",
    "RU",
    "SI",
    "TR",
    "US",
    "XK",
)
KINDS = (
    ("fact", 40),
    ("assessment", 20),
    ("recommendation", 10),
    ("talking-point", 15),
    ("risk", 15),
)
MARKINGS = (("public", 55), ("internal", 35), ("restricted", 10))
PRIORITIES = ((1, 15), (2, 40), (3, 45))


def _pick(rng: random.Random, weighted: tuple[tuple[object, int], ...]) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _sentence(rng: random.Random, words: int) -> str:
    picked = [rng.choice(WORDS) for _ in range(words)]
    picked[1] = rng.choice(ADJECTIVES)
    picked[3] = rng.choice(VERBS)
    text = " ".join(picked)
    return text[0].upper() + text[1:] + "."


def _quote(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML scalar


def _topic_ids(templates: Path, count: int) -> list[str]:
    """The topic ids audiences name (so their profiles resolve), then numbered ones."""
    named: list[str] = []
    for profile in sorted(templates.glob("*/audience.yaml")):
        data = yaml.safe_load(profile.read_text(encoding="utf-8")) or {}
        for topic in data.get("topics") or ():
            if topic not in named:
                named.append(topic)
    ids = named[:count]
    number = 1
    while len(ids) < count:
        candidate = f"topic-{number:03d}"
        if candidate not in ids:
            ids.append(candidate)
        number += 1
    return ids


def _seed_paragraphs(seeds: Path) -> tuple[str, list[int]]:
    """The first seed with a paragraph digest (reference records have none)."""
    for path in sorted(seeds.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("paragraphs"):
            return path.stem, [p["n"] for p in data["paragraphs"]]
    raise SystemExit(f"bench: no seed with paragraphs in {seeds}")


def generate(
    target: Path,
    *,
    points: int = 5000,
    topics: int = 50,
    body_share: float = 0.2,
    seed: int = 5,
    source: Path = ROOT,
) -> dict[str, int]:
    """Write a synthetic project into ``target`` (created; must not hold content yet)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "briefing.yaml", target / "briefing.yaml")
    for folder in ("seeds", "templates"):
        shutil.copytree(source / folder, target / folder, dirs_exist_ok=True)
    content = target / "content"
    content.mkdir(exist_ok=True)
    if any(content.glob("*.yaml")):
        raise SystemExit(f"{content} already holds topic files; give an empty folder")
    if (source / "content" / "data").is_dir():  # the figures' data (countries, events)
        shutil.copytree(source / "content" / "data", content / "data", dirs_exist_ok=True)

    rng = random.Random(seed)
    seed_id, paragraphs = _seed_paragraphs(target / "seeds")
    ids = _topic_ids(target / "templates", topics)
    refs: list[str] = []
    written = 0
    for index, topic_id in enumerate(ids):
        count = points // topics + (1 if index < points % topics else 0)
        lines = [
            f"title: {_quote('Synthetic ' + topic_id.replace('-', ' '))}",
            f"summary: {{text: {_quote(_sentence(rng, 14))}, marking: public}}",
            f"order: {index + 1}",
            f"countries: [{', '.join(rng.sample(COUNTRIES, 4))}]",
            "points:",
        ]
        for number in range(1, count + 1):
            lines.extend(_point(rng, topic_id, number, seed_id, paragraphs, refs, body_share))
            refs.append(f"{topic_id}.p{number:04d}")
        (content / f"{topic_id}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written += count
    return {"points": written, "topics": len(ids)}


def _point(
    rng: random.Random,
    topic_id: str,
    number: int,
    seed_id: str,
    paragraphs: list[int],
    refs: list[str],
    body_share: float,
) -> list[str]:
    kind = _pick(rng, KINDS)
    out = [
        f"  - id: p{number:04d}",
        f"    kind: {kind}",
        f"    headline: {_quote(_sentence(rng, rng.randint(12, 24)))}",
    ]
    if rng.random() < body_share:
        out.append("    body: |")
        for _ in range(rng.randint(1, 3)):
            out.append("      " + _sentence(rng, rng.randint(15, 30)))
    out.append(f"    priority: {_pick(rng, PRIORITIES)}")
    out.append(f"    marking: {_pick(rng, MARKINGS)}")
    if kind == "assessment" or (kind == "risk" and rng.random() < 0.5):
        out.append(f"    confidence: {rng.choice(('low', 'medium', 'high'))}")
    if kind == "talking-point":
        out.append(f"    use: {rng.choice(('raise', 'if-asked', 'avoid'))}")
    if rng.random() < 0.2:
        out.append("    attribution: According to the source")
    cited = sorted(rng.sample(paragraphs, rng.randint(1, 2)))
    out.append("    sources:")
    out.append(f"      - seed: {seed_id}")
    out.append(f"        paragraphs: [{', '.join(map(str, cited))}]")
    out.append(f"    as_of: 2016-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}")
    if rng.random() < 0.05:
        out.append("    audiences: [staff, liaison]")
    out.append(f"    countries: [{', '.join(rng.sample(COUNTRIES, 2))}]")
    if refs and rng.random() < 0.1:
        out.append(f"    related: [{rng.choice(refs)}]")
    out.append("")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", type=Path, help="folder to write the project into")
    parser.add_argument("--points", type=int, default=5000)
    parser.add_argument("--topics", type=int, default=50)
    parser.add_argument("--body-share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    made = generate(
        args.target,
        points=args.points,
        topics=args.topics,
        body_share=args.body_share,
        seed=args.seed,
    )
    print(f"{args.target}: {made['points']} points in {made['topics']} topics")


if __name__ == "__main__":
    main()
