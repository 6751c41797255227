"""Which error codes each route can answer, found by reading the code (for the OpenAPI document).

Every error leaves through one typed exception (``chalicelib.errors``) whose class carries the
status and whose ``code=`` names it, so the codes a route can answer are the raises reachable
from its handler. This walks that call graph with :mod:`ast`: from the handler, through every
function it calls by name (``f()``, ``module.f()``, ``Class()``, ``self.method()``) in
``chalicelib``, collecting ``SomeError(..., code="x.y")`` (or the class's own code).
The request pipeline (key, JSON, validation, idempotency, rate limits) is walked once from
``api.http._handle`` and listed separately: every route shares it.

It reads the source when the document is first built (about a second, once per process, only
for ``/v1/openapi.json``), so the list cannot fall behind the code. It is static: a code built
at run time or raised through a callback it cannot follow is missed, and a helper that raises
on a branch the route never takes is listed anyway. The recorded examples
(``openapi_examples.json``) are checked against it by a test, so a code seen in a real answer
and missing here fails.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent.parent  # chalicelib/
BASE_ERROR = "chalicelib.errors.AtelierError"
PIPELINE_ROOT = "chalicelib.api.http._handle"


@dataclass
class Function:
    qualname: str
    calls: set[str] = field(default_factory=set)
    raises: set[tuple[int, str]] = field(default_factory=set)


@dataclass
class ErrorClass:
    qualname: str
    bases: list[str]
    status: int | None
    code: str | None


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(module: str, tree: ast.Module) -> dict[str, str]:
    """Local name -> qualified name, for ``import`` and ``from ... import`` at any level."""
    names: dict[str, str] = {}
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module if module.endswith("__init__") else package
                for _ in range(node.level - 1):
                    anchor = anchor.rsplit(".", 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}"
    return names


def _dotted(node: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def _literal(node: ast.expr | None) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


class _Index:
    """Every function, method and error class of ``chalicelib`` with what it calls and raises."""

    def __init__(self) -> None:
        self.functions: dict[str, Function] = {}
        self.classes: dict[str, ErrorClass] = {}
        self._pending: list[tuple[Function, str, str | None, dict[str, str], ast.AST]] = []
        for path in sorted(PACKAGE.rglob("*.py")):
            module = _module_name(path)
            tree = ast.parse(path.read_text(), str(path))
            names = _imports(module, tree)
            self._scan_module(module, tree, names)
        for function, module, owner, names, body in self._pending:
            self._scan_body(function, module, owner, names, body)

    def _scan_module(self, module: str, tree: ast.Module, names: dict[str, str]) -> None:
        local = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        scope = {**names, **{n: f"{module}.{n}" for n in local}}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._add(f"{module}.{node.name}", module, None, scope, node)
            elif isinstance(node, ast.ClassDef):
                cls = f"{module}.{node.name}"
                attrs = {
                    t.id: _literal(s.value)
                    for s in node.body
                    if isinstance(s, ast.Assign | ast.AnnAssign)
                    for t in (s.targets if isinstance(s, ast.Assign) else [s.target])
                    if isinstance(t, ast.Name)
                }
                bases = [".".join(_dotted(b) or []) for b in node.bases]
                self.classes[cls] = ErrorClass(
                    cls,
                    [self._resolve(b.split("."), scope) or b for b in bases],
                    attrs.get("status"),
                    attrs.get("code"),
                )
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        self._add(f"{cls}.{item.name}", module, cls, scope, item)

    def _add(
        self, qualname: str, module: str, owner: str | None, names: dict[str, str], node: ast.AST
    ) -> None:
        function = Function(qualname)
        self.functions[qualname] = function
        self._pending.append((function, module, owner, names, node))

    @staticmethod
    def _resolve(parts: list[str], names: dict[str, str]) -> str | None:
        head = names.get(parts[0])
        return ".".join([head, *parts[1:]]) if head else None

    def _scan_body(
        self,
        function: Function,
        module: str,
        owner: str | None,
        names: dict[str, str],
        node: ast.AST,
    ) -> None:
        calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
        # ``error_response(AtelierError(...), status=500)``: the status given beside the error
        overridden = {
            id(arg): _literal(k.value)
            for c in calls
            for k in c.keywords
            if k.arg == "status" and isinstance(_literal(k.value), int)
            for arg in c.args
        }
        for call in calls:
            parts = _dotted(call.func)
            if parts is None:
                continue
            if parts[0] in ("self", "cls") and owner is not None and len(parts) == 2:
                target: str | None = f"{owner}.{parts[1]}"
            else:
                target = self._resolve(parts, names)
            if target is None or not target.startswith("chalicelib."):
                continue
            if target in self.classes:
                code = next((_literal(k.value) for k in call.keywords if k.arg == "code"), None)
                if self.is_error(target):
                    status = overridden.get(id(call)) or self.status(target)
                    function.raises.add((status, code or self.code(target)))
                function.calls.add(f"{target}.__init__")
            else:
                function.calls.add(target)

    def _lineage(self, cls: str) -> Iterator[ErrorClass]:
        seen: set[str] = set()
        todo = [cls]
        while todo:
            name = todo.pop(0)
            if name in seen or name not in self.classes:
                continue
            seen.add(name)
            yield self.classes[name]
            todo.extend(self.classes[name].bases)

    def is_error(self, cls: str) -> bool:
        return any(c.qualname == BASE_ERROR for c in self._lineage(cls))

    def status(self, cls: str) -> int:
        return next(c.status for c in self._lineage(cls) if c.status is not None)

    def code(self, cls: str) -> str:
        return next(c.code for c in self._lineage(cls) if c.code is not None)

    def reachable(self, root: str) -> set[tuple[int, str]]:
        found: set[tuple[int, str]] = set()
        seen: set[str] = set()
        todo = [root]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            function = self.functions.get(name)
            if function is None:
                continue
            found |= function.raises
            todo.extend(function.calls)
        return found


@lru_cache(maxsize=1)
def error_index() -> dict[str, Any]:
    """``{"pipeline": [...], "routes": {"GET /v1/x": [...]}}``, each code as ``(status, code)``.

    Routes are those registered so far (``ROUTES``); one whose handler is not found gets none
    of its own (a test checks that every handler is found).
    """
    from chalicelib.api.http import ROUTES

    index = _Index()
    pipeline = index.reachable(PIPELINE_ROOT)
    routes = {}
    for spec in ROUTES:
        handler = handler_name(spec.tag, spec.operation_id)
        own = index.reachable(handler) - pipeline if handler in index.functions else set()
        routes[f"{spec.method} {spec.path}"] = sorted(own)
    return {"pipeline": sorted(pipeline), "routes": routes, "handlers": set(index.functions)}


def handler_name(tag: str, operation_id: str) -> str:
    return f"chalicelib.api.{tag}.{operation_id}"
