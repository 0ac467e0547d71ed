"""Which modules, functions and classes a report names, and whether they exist.

For CPython the index is the standard library of the running Python, read from the
source files with ``ast`` (never imported: some stdlib modules have side effects).
Teams load their own index for other projects (``vulndesk triage load-index``).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from dataclasses import dataclass, field
from functools import cache

# Dotted references like ``zipfile.Path``, ``os.path.join()``, ``http.server.HTTPServer``.
DOTTED_RE = re.compile(
    r"(?<![\w./-])([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?![\w/-])"
)
# ``import x`` / ``from x import y`` lines in a proof of concept.
IMPORT_RE = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\s+([\w, ]+)|import\s+([\w., ]+))", re.M)


@dataclass
class ModuleNames:
    """The public names a module defines; ``open`` when they cannot all be known."""

    names: set[str] = field(default_factory=set)
    classes: dict[str, set[str]] = field(default_factory=dict)
    open_classes: set[str] = field(default_factory=set)
    open: bool = False


def stdlib_modules() -> frozenset[str]:
    return frozenset(sys.stdlib_module_names)


def _source_of(module: str) -> str | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    origin = spec.origin or ""
    if origin == "frozen":  # os, posixpath, codecs … are frozen; their source is still there
        origin = getattr(spec.loader_state, "filename", None) or ""
    if not origin.endswith(".py"):
        return None
    try:
        with open(origin, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return None


def _targets(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return [n for elt in node.elts for n in _targets(elt)]
    return []


@cache
def stdlib_module_names(module: str) -> ModuleNames | None:
    """Names defined at the top level of a stdlib module (and methods of its classes).

    None when ``module`` is not part of the standard library; ``open`` when the module is
    written in C or star-imports, so a missing name proves nothing.
    """
    top = module.split(".", maxsplit=1)[0]
    if top not in stdlib_modules():
        return None
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return None
    result = ModuleNames()
    if spec.submodule_search_locations:  # a package: its submodules are names too
        import pkgutil

        result.names |= {m.name for m in pkgutil.iter_modules(spec.submodule_search_locations)}
    source = _source_of(module)
    if source is None:
        result.open = True
        return result
    try:
        tree = ast.parse(source)
    except SyntaxError:
        result.open = True
        return result
    package = module if spec.submodule_search_locations else module.rpartition(".")[0]
    for node in tree.body:
        _collect(node, result, package)
    # Names defined under `if`/`try` at the top level (platform variants) count as well.
    for branch in ast.walk(tree):
        if isinstance(branch, ast.If | ast.Try):
            for child in ast.iter_child_nodes(branch):
                if isinstance(child, ast.stmt):
                    _collect(child, result, package)
    return result


def _star_names(module: str) -> tuple[set[str], bool]:
    """The names ``from module import *`` brings in, and whether that list is complete."""
    names = stdlib_module_names(module)
    if names is not None and not names.open:
        return {n for n in names.names if not n.startswith("_")}, True
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return set(), True  # another platform's module (nt on Linux): none of it exists here
    if spec.origin == "built-in" or (spec.origin or "").endswith(".so"):
        # A C module (posix, _socket, _sqlite3): importing it has no side effects.
        try:
            imported = importlib.import_module(module)
        except ImportError:
            return set(), False
        return {n for n in dir(imported) if not n.startswith("_")}, True
    return set(), False


def _collect(node: ast.stmt, result: ModuleNames, package: str = "") -> None:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        result.names.add(node.name)
    elif isinstance(node, ast.ClassDef):
        result.names.add(node.name)
        members = result.classes.setdefault(node.name, set())
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                members.add(item.name)
            elif isinstance(item, ast.Assign):
                for target in item.targets:
                    members.update(_targets(target))
            elif isinstance(item, ast.AnnAssign):
                members.update(_targets(item.target))
        if any(not (isinstance(b, ast.Name) and b.id == "object") for b in node.bases):
            result.open_classes.add(node.name)  # inherited members are not listed here
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            result.names.update(_targets(target))
    elif isinstance(node, ast.AnnAssign):
        result.names.update(_targets(node.target))
    elif isinstance(node, ast.Import):
        result.names.update((a.asname or a.name).split(".")[0] for a in node.names)
    elif isinstance(node, ast.ImportFrom):
        source = node.module or ""
        if node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            source = f"{base}.{source}" if source else base
        for alias in node.names:
            if alias.name == "*":
                names, complete = _star_names(source)
                result.names |= names
                result.open = result.open or not complete
            else:
                result.names.add(alias.asname or alias.name)


@dataclass(frozen=True)
class NameCheck:
    reference: str
    module: str
    exists: bool | None  # None: cannot tell


def _check_stdlib(reference: str) -> NameCheck | None:
    parts = reference.split(".")
    if parts[0] not in stdlib_modules():
        return None
    # The longest prefix that is a module: os.path.join -> module os.path, name join.
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        names = stdlib_module_names(module)
        if names is None:
            if cut == 1:
                return None
            continue
        rest = parts[cut:]
        if not rest:
            return NameCheck(reference, module, True)
        if names.open:
            return NameCheck(reference, module, None)
        if rest[0] not in names.names:
            return NameCheck(reference, module, False)
        if len(rest) >= 2 and rest[0] in names.classes:
            if rest[0] in names.open_classes:
                return NameCheck(reference, module, None)
            return NameCheck(reference, module, rest[1] in names.classes[rest[0]])
        return NameCheck(reference, module, True if len(rest) == 1 else None)
    return None


def _check_loaded(reference: str, index: frozenset[str]) -> NameCheck | None:
    parts = reference.split(".")
    tops = {n.split(".")[0] for n in index}
    if parts[0] not in tops:
        return None
    if reference in index:
        return NameCheck(reference, reference, True)
    # Attributes of a listed name (e.g. an instance attribute) cannot be judged beyond depth 3.
    for cut in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in index:
            return NameCheck(reference, prefix, False if cut >= len(parts) - 1 else None)
    return NameCheck(reference, parts[0], False)


def references(text: str) -> list[str]:
    """Dotted names and imported modules mentioned in ``text``, in order, without repeats."""
    seen: dict[str, None] = {}
    for match in DOTTED_RE.finditer(text):
        name = match.group(1).rstrip(".")
        if re.search(r"\.(py|txt|pdf|html|com|org|io|net|test|md|json|so|exe|zip)$", name):
            continue
        if re.match(r"^\d", name):
            continue
        seen.setdefault(name, None)
    for match in IMPORT_RE.finditer(text):
        if match.group(1):
            module = match.group(1)
            seen.setdefault(module, None)
            for name in match.group(2).split(","):
                if name.strip():
                    seen.setdefault(f"{module}.{name.strip().split(' ')[0]}", None)
        else:
            for name in match.group(3).split(","):
                if name.strip():
                    seen.setdefault(name.strip().split(" ")[0], None)
    return list(seen)


def check_references(text: str, *, index: frozenset[str] | None = None) -> list[NameCheck]:
    """Each dotted reference in ``text`` checked against ``index`` (or the stdlib)."""
    checks = []
    for reference in references(text):
        check = _check_loaded(reference, index) if index is not None else _check_stdlib(reference)
        if check is not None:
            checks.append(check)
    return checks


def components(text: str, *, index: frozenset[str] | None = None) -> list[str]:
    """The existing components (modules) a report names: what it is about."""
    found: dict[str, None] = {}
    for check in check_references(text, index=index):
        if check.exists is not False:
            found.setdefault(check.module, None)
    return list(found)
