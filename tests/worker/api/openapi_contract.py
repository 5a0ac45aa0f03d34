"""Checking a live response against the OpenAPI document, as a generated client reads it: its
operation, its status, its content type, its JSON body (a small JSON Schema checker, for the
keywords the document uses) and the headers the document says it always has."""

from __future__ import annotations

import re
from typing import Any

#: JSON Schema type names and the Python types that are them (a bool is no integer).
_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
          "integer": int, "number": (int, float)}


def schema_problems(value: Any, schema: dict, document: dict, at: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema`` (``$ref``, ``type``, ``enum``, ``const``, ``required``,
    ``properties``, ``additionalProperties``, ``items``, ``minimum``, ``maximum``, ``anyOf``)."""
    if "$ref" in schema:
        node = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        return schema_problems(value, node, document, at)
    if "anyOf" in schema:
        if all(schema_problems(value, option, document, at) for option in schema["anyOf"]):
            return [f"{at}: {value!r} matches none of anyOf"]
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(isinstance(value, _TYPES[k]) and not (isinstance(value, bool) and k in ("integer", "number"))
                   for k in kinds):
            return [f"{at}: {value!r} is not {' or '.join(kinds)}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{at}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        problems.append(f"{at}: {value!r} is not {schema['const']!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{at}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{at}: {value} > {schema['maximum']}")
    if isinstance(value, dict):
        problems += [f"{at}: {name} is missing" for name in schema.get("required", ()) if name not in value]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                problems += schema_problems(item, properties[name], document, f"{at}.{name}")
            elif extra is False:
                problems.append(f"{at}: {name} is not documented")
            elif isinstance(extra, dict):
                problems += schema_problems(item, extra, document, f"{at}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += schema_problems(item, schema["items"], document, f"{at}[{index}]")
    return problems


def operation(document: dict, method: str, path: str) -> tuple[str | None, dict | None]:
    """The path template matching ``path`` and its operation for ``method`` (None when undocumented)."""
    for template, item in document["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return template, item.get(method.lower())
    return None, None


def contract_problems(document: dict, response) -> list[str]:  # noqa: ANN001 (an httpx.Response)
    """What of ``response`` (to its request) the document does not say."""
    method, path = response.request.method, response.request.url.path
    template, op = operation(document, method, path)
    where = f"{method} {template or path} -> {response.status_code}"
    if op is None:
        return [f"{where}: operation not documented"]
    documented = op["responses"].get(str(response.status_code))
    if documented is None:
        return [f"{where}: status not documented (have {sorted(op['responses'])})"]
    problems = [f"{where}: header {name} not sent" for name, header in documented.get("headers", {}).items()
                if header.get("required") and name.lower() not in response.headers]
    content = documented.get("content")
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    if method == "HEAD" or (not content and not response.content):
        return problems
    if not content or kind not in content:
        return problems + [f"{where}: content type {kind!r} not documented (have {list(content or {})})"]
    schema = content[kind].get("schema")
    if kind == "application/json" and schema is not None:
        problems += [f"{where}: {p}" for p in schema_problems(response.json(), schema, document)]
    return problems
