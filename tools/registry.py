"""The one registry of tools.

A tool is a plain typed Python function whose first parameter is the :class:`insightchat.tools.workspace.Workspace`
it works on and which returns a :class:`insightchat.tools.results.ToolResult`. Registering it checks the contract
at definition time (docstring present, every other parameter annotated, every described parameter real)
and derives a JSON schema from the signature, so the LangChain wrappers, the offline planner and the UI
are all generated from the same place and cannot drift apart.

A tool declares what it does beyond answering, so no planner has to guess it from names:
``writes`` says whether it stores derived data in the workspace (new columns or tables: the user's
files are never written) or writes files; ``paths`` names the parameters that are file or folder
paths. Each parameter's one-line description, from the docstring's ``Args:`` section or an
``Annotated[type, "description"]`` annotation, goes into the schema a model reads.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import re
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from insightchat.tools.errors import InsightError
from insightchat.tools.results import ToolResult

# Modules whose import registers built-in tools. Later capabilities add their module here.
BUILTIN_TOOL_MODULES: tuple[str, ...] = (
    "insightchat.tools.schema_tools",
    "insightchat.tools.sql",
    "insightchat.tools.text_tools",
    "insightchat.tools.why",
    "insightchat.tools.sql_words",
    "insightchat.tools.explain_model",
    "insightchat.tools.report.tool",
    "insightchat.tools.triage.tool",
)

_JSON_TYPES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


class Writes(str, enum.Enum):
    """What a tool writes besides its result."""

    NOTHING = "nothing"
    DERIVED = "derived"  # derived columns or tables in the workspace (sentiment, labels, topics), cached
    FILES = "files"  # files outside the workspace (exports, saved models): never offered to a model


@dataclass(frozen=True)
class Tool:
    """A registered capability: the function plus what a planner needs to know to call it."""

    name: str
    fn: Callable[..., ToolResult]
    description: str  # the docstring without its Args: section (the parameters carry their own)
    parameters: dict[str, Any]  # JSON schema of the arguments (the workspace is injected, not listed)
    writes: Writes = Writes.NOTHING
    paths: frozenset[str] = frozenset()  # parameters that are file or folder paths

    @property
    def required_paths(self) -> frozenset[str]:
        """The path parameters a call cannot leave out."""
        return self.paths & frozenset(self.parameters.get("required", []))

    def __call__(self, workspace: Any, **kwargs: Any) -> ToolResult:
        return self.fn(workspace, **kwargs)


_REGISTRY: dict[str, Tool] = {}


def _json_schema(annotation: Any) -> dict[str, Any]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        non_null = [a for a in args if a is not type(None)]
        if len(non_null) == 1:
            return _json_schema(non_null[0])
        return {"anyOf": [_json_schema(a) for a in non_null]}
    if origin is typing.Literal:
        return {"type": "string", "enum": list(args)}
    if origin in (list, tuple, set):
        return {"type": "array", "items": _json_schema(args[0]) if args else {}}
    if origin is dict or annotation is dict:
        return {"type": "object"}
    if annotation in _JSON_TYPES:
        return {"type": _JSON_TYPES[annotation]}
    return {"type": "string"}


_ARGS_HEADER = re.compile(r"^(Args|Arguments|Parameters):\s*$")
_ARG_LINE = re.compile(r"^(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def split_args_section(doc: str) -> tuple[str, dict[str, str]]:
    """The docstring without its Google-style ``Args:`` section, and each parameter's description from it
    (continuation lines, indented deeper than the entry, are joined into one line)."""
    lines = doc.splitlines()
    start = next((i for i, line in enumerate(lines) if _ARGS_HEADER.match(line)), None)
    if start is None:
        return doc, {}
    described: dict[str, str] = {}
    current: str | None = None
    indent: int | None = None
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0].isspace()):  # up to the next section
        line = lines[end]
        end += 1
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        entry = _ARG_LINE.match(line.strip())
        if entry and (indent is None or depth <= indent):
            indent, current = depth, entry.group(1)
            described[current] = entry.group(2).strip()
        elif current is not None:
            described[current] = f"{described[current]} {line.strip()}"
    return "\n".join(lines[:start] + lines[end:]).strip(), described


def _schema_for(fn: Callable[..., Any], described: dict[str, str]) -> dict[str, Any]:
    hints = typing.get_type_hints(fn, include_extras=True)
    params = list(inspect.signature(fn).parameters.values())[1:]  # skip the workspace
    unknown = set(described) - {p.name for p in params}
    if unknown:
        raise TypeError(f"tool {fn.__name__}: the docstring describes no such parameter {sorted(unknown)}")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for p in params:
        if p.name not in hints:
            raise TypeError(f"tool {fn.__name__}: parameter {p.name!r} has no type annotation")
        annotation, description = hints[p.name], described.get(p.name, "")
        if typing.get_origin(annotation) is typing.Annotated:
            annotation, *extras = typing.get_args(annotation)
            description = next((e for e in extras if isinstance(e, str)), description)
        properties[p.name] = _json_schema(annotation)
        if description:
            properties[p.name]["description"] = description
        if p.default is inspect.Parameter.empty:
            required.append(p.name)
        else:
            properties[p.name]["default"] = p.default
    return {"type": "object", "properties": properties, "required": required}


def tool(
    name: str | None = None, *, writes: Writes = Writes.NOTHING, paths: Iterable[str] = ()
) -> Callable[[Callable[..., ToolResult]], Callable[..., ToolResult]]:
    """Register ``fn`` as a tool; the contract is checked here, once, at import time.

    ``writes``: what it writes besides its result (:class:`Writes`). ``paths``: its parameters that are
    file or folder paths (a model may not choose those)."""

    def register(fn: Callable[..., ToolResult]) -> Callable[..., ToolResult]:
        tool_name = name or fn.__name__
        doc = inspect.getdoc(fn)
        if not doc:
            raise TypeError(f"tool {tool_name}: a docstring is required (it is the model's description)")
        if tool_name in _REGISTRY and _REGISTRY[tool_name].fn is not fn:
            raise TypeError(f"tool {tool_name} is registered twice")
        description, described = split_args_section(doc)
        schema = _schema_for(fn, described)
        path_params = frozenset(paths)
        if path_params - set(schema["properties"]):
            raise TypeError(
                f"tool {tool_name}: paths names no such parameter {sorted(path_params - set(schema['properties']))}"
            )
        _REGISTRY[tool_name] = Tool(tool_name, fn, description, schema, Writes(writes), path_params)
        return fn

    return register


def load_builtin_tools() -> None:
    """Import the built-in tool modules (idempotent)."""
    for module in BUILTIN_TOOL_MODULES:
        importlib.import_module(module)


def all_tools() -> list[Tool]:
    load_builtin_tools()
    return list(_REGISTRY.values())


def get_tool(name: str) -> Tool:
    load_builtin_tools()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise InsightError(f"Unknown tool {name!r}", f"known tools: {known}") from None
