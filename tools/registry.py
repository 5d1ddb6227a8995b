"""The one registry of tools.

A tool is a plain typed Python function whose first parameter is the :class:`insightchat.tools.workspace.Workspace`
it works on and which returns a :class:`insightchat.tools.results.ToolResult`. Registering it checks the contract
at definition time (docstring present, every other parameter annotated) and derives a JSON schema
from the signature, so the LangChain wrappers, the offline planner and the UI are all generated from
the same place and cannot drift apart.
"""

from __future__ import annotations

import importlib
import inspect
import types
import typing
from collections.abc import Callable
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
)

_JSON_TYPES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


@dataclass(frozen=True)
class Tool:
    """A registered capability: the function plus what a planner needs to know to call it."""

    name: str
    fn: Callable[..., ToolResult]
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments (the workspace is injected, not listed)

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


def _schema_for(fn: Callable[..., Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(fn)
    params = list(inspect.signature(fn).parameters.values())[1:]  # skip the workspace
    properties: dict[str, Any] = {}
    required: list[str] = []
    for p in params:
        if p.name not in hints:
            raise TypeError(f"tool {fn.__name__}: parameter {p.name!r} has no type annotation")
        properties[p.name] = _json_schema(hints[p.name])
        if p.default is inspect.Parameter.empty:
            required.append(p.name)
        else:
            properties[p.name]["default"] = p.default
    return {"type": "object", "properties": properties, "required": required}


def tool(name: str | None = None) -> Callable[[Callable[..., ToolResult]], Callable[..., ToolResult]]:
    """Register ``fn`` as a tool; the contract is checked here, once, at import time."""

    def register(fn: Callable[..., ToolResult]) -> Callable[..., ToolResult]:
        tool_name = name or fn.__name__
        doc = inspect.getdoc(fn)
        if not doc:
            raise TypeError(f"tool {tool_name}: a docstring is required (it is the model's description)")
        if tool_name in _REGISTRY and _REGISTRY[tool_name].fn is not fn:
            raise TypeError(f"tool {tool_name} is registered twice")
        _REGISTRY[tool_name] = Tool(tool_name, fn, doc, _schema_for(fn))
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
