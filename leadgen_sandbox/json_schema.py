"""Just enough JSON Schema to answer OpenAI structured-output requests.

``SchemaFiller`` builds a document valid against a schema, asking a ``ValueSource`` for a
meaningful value per property name and falling back to a generic valid value.
``conforms`` checks a value against the subset of JSON Schema that OpenAI strict mode
allows; ``strict_schema_problem`` reports what strict mode would reject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

JsonSchema = dict[str, Any]
# Returned by a ValueSource that has nothing meaningful for a property.
NO_VALUE: Any = object()


class ValueSource(Protocol):
    def value_for(self, property_name: str) -> Any:
        """A meaningful value for the property, or NO_VALUE."""

    def item_sources(self, property_name: str) -> Sequence[ValueSource]:
        """One source per item of an array of objects under this property."""

    def choose_enum(self, property_name: str, members: Sequence[Any]) -> Any:
        """A plausible member of an enum the source had no value for."""

    def generic_text(self, property_name: str) -> str:
        """A string for a property the source knows nothing about."""


def resolve(schema: JsonSchema, root: JsonSchema) -> JsonSchema:
    """Follow ``$ref`` (local JSON pointers, as in ``#/$defs/Name``) to the real schema."""
    seen = 0
    while "$ref" in schema:
        reference = schema["$ref"]
        if not isinstance(reference, str) or not reference.startswith("#"):
            raise ValueError(f"unsupported $ref {reference!r}")
        target: Any = root
        for part in filter(None, reference[1:].split("/")):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
        if seen > 64:
            raise ValueError("$ref cycle")
    return schema


def _types(schema: JsonSchema) -> list[str]:
    declared = schema.get("type")
    if declared is None:
        return []
    return [declared] if isinstance(declared, str) else list(declared)


def _is_type(value: Any, type_name: str) -> bool:
    match type_name:
        case "string":
            return isinstance(value, str)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        case "boolean":
            return isinstance(value, bool)
        case "null":
            return value is None
        case "array":
            return isinstance(value, list)
        case "object":
            return isinstance(value, dict)
    return False


def conforms(value: Any, schema: JsonSchema, root: JsonSchema) -> bool:
    schema = resolve(schema, root)
    if "anyOf" in schema and not any(conforms(value, s, root) for s in schema["anyOf"]):
        return False
    if "oneOf" in schema and sum(conforms(value, s, root) for s in schema["oneOf"]) != 1:
        return False
    if "allOf" in schema and not all(conforms(value, s, root) for s in schema["allOf"]):
        return False
    if "const" in schema and not _same(value, schema["const"]):
        return False
    if "enum" in schema and not any(_same(value, member) for member in schema["enum"]):
        return False
    types = _types(schema)
    if types and not any(_is_type(value, type_name) for type_name in types):
        return False
    if isinstance(value, str):
        return _string_conforms(value, schema)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_conforms(value, schema)
    if isinstance(value, list):
        items = schema.get("items")
        return (
            len(value) >= schema.get("minItems", 0)
            and len(value) <= schema.get("maxItems", len(value))
            and (items is None or all(conforms(item, items, root) for item in value))
        )
    if isinstance(value, dict):
        return _object_conforms(value, schema, root)
    return True


def _same(left: Any, right: Any) -> bool:
    if _is_type(left, "number") and _is_type(right, "number"):
        return left == right  # 1 and 1.0 are the same JSON number
    return type(left) is type(right) and left == right


def _string_conforms(value: str, schema: JsonSchema) -> bool:
    if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
        return False
    pattern = schema.get("pattern")
    return pattern is None or re.search(pattern, value) is not None


def _number_conforms(value: float, schema: JsonSchema) -> bool:
    if "integer" in _types(schema) and "number" not in _types(schema) and value != int(value):
        return False
    return (
        value >= schema.get("minimum", value)
        and value <= schema.get("maximum", value)
        and ("exclusiveMinimum" not in schema or value > schema["exclusiveMinimum"])
        and ("exclusiveMaximum" not in schema or value < schema["exclusiveMaximum"])
    )


def _object_conforms(value: dict[str, Any], schema: JsonSchema, root: JsonSchema) -> bool:
    properties = schema.get("properties", {})
    if any(name not in value for name in schema.get("required", [])):
        return False
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in properties:
            if not conforms(item, properties[name], root):
                return False
        elif extra is False or (isinstance(extra, dict) and not conforms(item, extra, root)):
            return False
    return True


def strict_schema_problem(schema: JsonSchema, context: tuple[str, ...] = ()) -> str | None:
    """What OpenAI strict mode rejects: objects must close and require every property."""
    if not isinstance(schema, dict):
        return f"In context={context}, schema must be a JSON object."
    if "properties" in schema or _types(schema) == ["object"]:
        if schema.get("additionalProperties") is not False:
            return (
                f"In context={context}, 'additionalProperties' is required to be supplied "
                "and to be false."
            )
        missing = [
            name for name in schema.get("properties", {}) if name not in schema.get("required", [])
        ]
        if missing:
            return (
                f"In context={context}, 'required' is required to be supplied and to be an "
                f"array including every key in properties. Missing '{missing[0]}'."
            )
    children: list[tuple[tuple[str, ...], Any]] = []
    for name, child in schema.get("properties", {}).items():
        children.append(((*context, "properties", name), child))
    for keyword in ("$defs", "definitions"):
        for name, child in schema.get(keyword, {}).items():
            children.append(((*context, keyword, name), child))
    for keyword in ("anyOf", "allOf", "oneOf"):
        for index, child in enumerate(schema.get(keyword, [])):
            children.append(((*context, keyword, str(index)), child))
    if isinstance(schema.get("items"), dict):
        children.append(((*context, "items"), schema["items"]))
    for child_context, child in children:
        problem = strict_schema_problem(child, child_context)
        if problem:
            return problem
    return None


class SchemaFiller:
    def __init__(self, root: JsonSchema) -> None:
        self.root = root

    def fill(self, source: ValueSource) -> Any:
        return self._value(self.root, None, source)

    def _value(self, schema: JsonSchema, name: str | None, source: ValueSource) -> Any:
        schema = resolve(schema, self.root)
        if name is not None:
            adapted = self._adapt(source.value_for(name), schema)
            if adapted is not NO_VALUE:
                return adapted
        return self._generic(schema, name, source)

    def _adapt(self, candidate: Any, schema: JsonSchema) -> Any:
        """The candidate, or a close variant of it, if the schema accepts it."""
        if candidate is NO_VALUE:
            return NO_VALUE
        variants = [candidate]
        if candidate is None:
            variants.append("")  # a required non-null string: say nothing rather than invent
        if isinstance(candidate, list | tuple):
            items = list(candidate)
            variants += [items, "; ".join(map(str, items))]
            max_items = schema.get("maxItems")
            if max_items is not None:
                variants.append(items[:max_items])
        if isinstance(candidate, str):
            variants.append([candidate])
            variants += [
                member for member in schema.get("enum", []) if _loosely_equal(member, candidate)
            ]
        if isinstance(candidate, int | float) and not isinstance(candidate, bool):
            variants.append(str(candidate))
        for variant in variants:
            if conforms(variant, schema, self.root):
                return variant
        return NO_VALUE

    def _generic(self, schema: JsonSchema, name: str | None, source: ValueSource) -> Any:
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                branches = [resolve(branch, self.root) for branch in schema[keyword]]
                if name is not None and any(_types(b) == ["null"] for b in branches):
                    return None  # nothing known about an optional property: leave it empty
                return self._value(branches[0], name, source)
        if "allOf" in schema:
            merged: JsonSchema = {}
            for part in schema["allOf"]:
                merged.update(resolve(part, self.root))
            return self._generic(merged, name, source)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return source.choose_enum(name or "", schema["enum"])
        types = _types(schema)
        if name is not None and "null" in types:
            return None
        type_name = next(
            (t for t in types if t != "null"), "object" if "properties" in schema else "string"
        )
        match type_name:
            case "object":
                return {
                    prop: self._value(prop_schema, prop, source)
                    for prop, prop_schema in schema.get("properties", {}).items()
                }
            case "array":
                return self._array(schema, name, source)
            case "string":
                return self._string(schema, name, source)
            case "integer" | "number":
                low = schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
                high = schema.get("maximum", schema.get("exclusiveMaximum", low + 2) - 1)
                value = min(max(0, low), high)
                return int(value) if type_name == "integer" else float(value)
            case "boolean":
                return False
        return None

    def _array(self, schema: JsonSchema, name: str | None, source: ValueSource) -> list[Any]:
        items = resolve(schema.get("items", {}), self.root)
        minimum, maximum = schema.get("minItems", 0), schema.get("maxItems")
        is_objects = "object" in _types(items) or "properties" in items
        sources = list(source.item_sources(name or "")) if is_objects else []
        while len(sources) < minimum:
            sources.append(source)
        values = [self._value(items, None, item_source) for item_source in sources]
        return values[:maximum] if maximum is not None else values

    def _string(self, schema: JsonSchema, name: str | None, source: ValueSource) -> str:
        formats = {
            "date-time": "2025-01-01T00:00:00Z",
            "date": "2025-01-01",
            "time": "00:00:00",
        }
        text = formats.get(schema.get("format", ""), source.generic_text(name or "value"))
        text = text[: schema.get("maxLength", len(text))]
        return text.ljust(schema.get("minLength", 0), ".")


def _loosely_equal(member: Any, text: str) -> bool:
    return isinstance(member, str) and member.casefold() == text.casefold()
