"""Schemas: the content model → JSON Schema (Draft 2020-12) that editors validate files against.

Fields that loading fills in (a topic's id and file, a point's topic) are left out, since a file
must not set them. Editors pick the schema up from a modeline at the top of a file, e.g. for the
yaml-language-server (VS Code's YAML extension, Neovim, Helix):
``# yaml-language-server: $schema=../topic.schema.json``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .model import Audience, Front, Seed, Settings, Topic

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "topic": (Topic, "A topic module: content/<topic-id>.yaml"),
    "seed": (Seed, "A source record: seeds/<seed-id>.yaml"),
    "audience": (Audience, "An audience profile: templates/<audience-id>/audience.yaml"),
    "settings": (Settings, "Project settings: briefing.yaml"),
    "front": (Front, "Front matter for one audience's document: content/front/<audience-id>.yaml"),
}


# Shown by editors on hover and in completion lists.
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Topic": {
        "title": "The topic's title, as a section heading.",
        "summary": "The topic's bottom line (one sentence) and its marking: "
        "{text: ..., marking: public|internal|restricted}.",
        "order": "Sorts topics (lowest first) where an audience does not list its own order.",
        "countries": "ISO 3166-1 alpha-2 codes of the countries the topic concerns (XK = Kosovo).",
        "points": "The points: one thing a reader should take away, each.",
    },
    "Point": {
        "id": "Lowercase hyphen slug, unique in the topic; the point is addressed topic.id.",
        "kind": "fact | assessment (a judgment) | recommendation | talking-point | risk.",
        "headline": "One sentence, readable alone: the bottom line of the point.",
        "body": "Optional Markdown: the detail and evidence. Leave a blank line before a list.",
        "priority": "1 must brief, 2 should, 3 background; short products keep priority 1.",
        "marking": "public < internal < restricted; the highest included becomes the banner.",
        "confidence": "low | medium | high: required for assessments, allowed for risks.",
        "attribution": "Whose claim or opinion this reports; a fact with one prints as Reported.",
        "use": "Talking points only, and required there: raise | if-asked | avoid.",
        "sources": "The seeds (and their paragraphs) or reference records the point rests on.",
        "as_of": "The date the point is true as of, YYYY-MM-DD.",
        "audiences": "Restricts the point to these audiences (ids of templates/<id>/).",
        "countries": "ISO 3166-1 alpha-2 codes the point concerns.",
        "related": "Other points, addressed topic.point.",
    },
    "SourceRef": {
        "seed": "The seed's id: its file name in seeds/ without .yaml.",
        "paragraphs": "Paragraph numbers of the seed that carry the claim (not for a record).",
        "locator": "Where in a reference record: a page, section or article ('p. 16').",
    },
}

# What one file cannot say in its field types: which fields each kind of point needs or refuses.
POINT_RULES: list[dict[str, Any]] = [
    {
        "if": {"properties": {"kind": {"const": "assessment"}}, "required": ["kind"]},
        "then": {"required": ["confidence"]},
    },
    {
        "if": {"properties": {"kind": {"const": "talking-point"}}, "required": ["kind"]},
        "then": {"required": ["use"]},
    },
    {
        "if": {
            "properties": {"kind": {"enum": ["fact", "recommendation", "talking-point"]}},
            "required": ["kind"],
        },
        "then": {"properties": {"confidence": {"type": "null"}}},
    },
    {
        "if": {
            "properties": {"kind": {"not": {"const": "talking-point"}}},
            "required": ["kind"],
        },
        "then": {"properties": {"use": {"type": "null"}}},
    },
]


def json_schema(kind: str = "topic") -> dict[str, Any]:
    """Return the JSON Schema of one kind of project file (topic, seed, audience, settings)."""
    model, description = SCHEMAS[kind]
    schema = model.model_json_schema(mode="validation")
    _drop_internal(schema, model)
    _describe(schema)
    for definition in schema.get("$defs", {}).values():
        _drop_internal_by_title(definition)
        _describe(definition)
        if definition.get("title") == "Point":
            definition["allOf"] = POINT_RULES
    return {"$schema": DIALECT, **schema, "description": description}


def _describe(schema: dict[str, Any]) -> None:
    for name, text in DESCRIPTIONS.get(schema.get("title", ""), {}).items():
        if name in schema.get("properties", {}):
            schema["properties"][name].setdefault("description", text)


def _internal_fields(model: type[BaseModel]) -> set[str]:
    return {name for name, info in model.model_fields.items() if info.exclude}


def _drop_internal(schema: dict[str, Any], model: type[BaseModel]) -> None:
    for name in _internal_fields(model):
        schema.get("properties", {}).pop(name, None)
        if name in schema.get("required", ()):
            schema["required"].remove(name)


def _drop_internal_by_title(definition: dict[str, Any]) -> None:
    """Drop internal fields from a nested model's definition ($defs are keyed by class name)."""
    from . import model as models

    cls = getattr(models, definition.get("title", ""), None)
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        _drop_internal(definition, cls)
