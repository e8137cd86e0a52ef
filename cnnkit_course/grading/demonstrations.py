"""Demonstration cells the grader need not run.

A notebook's author marks a cell that only shows something (a comparison table, a figure, a demo
of the app) with ``metadata.cnnkit.demonstration = true`` in the source notebook; nbgrader carries
the mark into the release. Such a cell changes nothing that a later cell or a test relies on except
through the names it binds. The grader skips a submitted cell when

1. its source is exactly that of a marked cell of the release (a cell the student changed runs), and
2. none of the names it binds at the top level is read by a later cell that runs, or is a
   parameter of a test case in the assignment's test files (the names those cases ask the kernel
   for).

Anything the analysis cannot read (a cell that does not parse, e.g. IPython magics; ``eval``,
``exec``, ``globals()``...) counts as reading every name, so no earlier cell is skipped. Skipped
cells keep the outputs the student's own run left.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from nbformat import NotebookNode

#: Calls that read names the analysis cannot see.
_DYNAMIC = {"eval", "exec", "globals", "locals", "vars"}
_EVERYTHING = None  # what an unreadable cell reads


def is_demonstration(cell: NotebookNode) -> bool:
    """The author marked ``cell`` as a demonstration (``metadata.cnnkit.demonstration``)."""
    return cell.get("cell_type") == "code" and bool(cell.get("metadata", {}).get("cnnkit", {}).get("demonstration"))


class _TopLevelBindings(ast.NodeVisitor):
    """Names a module binds at its top level (assignments, loops, imports, definitions), not the
    local names of the functions and classes it defines."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.names.add(node.id)

    def _define(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.names.add(node.name)
        for decorator in node.decorator_list:
            self.visit(decorator)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _define

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)

    visit_ImportFrom = visit_Import

    def visit_Lambda(self, node: ast.Lambda) -> None:
        """A lambda binds names of its own only."""

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp) -> None:
        """A comprehension's variables are its own, but an assignment expression (``:=``) in it binds
        its name in the cell's scope."""
        self.names.update(n.target.id for n in ast.walk(node) if isinstance(n, ast.NamedExpr))

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension


def names_bound(source: str) -> set[str] | None:
    """The names ``source`` binds at its top level; ``None`` if it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    visitor = _TopLevelBindings()
    visitor.visit(tree)
    return visitor.names


def names_read(source: str) -> set[str] | None:
    """The names ``source`` reads that it has not bound itself first (a loop's variable, a name
    assigned in an earlier statement); every name a function or class body reads counts (it runs
    later). ``None`` (everything) if it does not parse or reads names dynamically (``eval``,
    ``globals()``...)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return _EVERYTHING
    if {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} & _DYNAMIC:
        return _EVERYTHING
    return _free_reads(tree.body, set())


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
           ast.DictComp, ast.GeneratorExp)


def _direct(nodes: list[ast.AST]) -> list[ast.AST]:
    """``nodes`` and everything below them in the same scope (nested functions, classes, lambdas
    and comprehensions are listed, not entered)."""
    found, stack = [], list(nodes)
    while stack:
        node = stack.pop()
        found.append(node)
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))
    return found


def _outside_and_inside(scope: ast.AST) -> tuple[list[ast.AST], list[ast.AST]]:
    """What of a scope's node is evaluated around it (decorators, defaults, bases) and its body."""
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        outside = [*getattr(scope, "decorator_list", []), *scope.args.defaults, *filter(None, scope.args.kw_defaults)]
        body = scope.body if isinstance(scope.body, list) else [scope.body]
        return outside, [scope.args, *body]
    if isinstance(scope, ast.ClassDef):
        return [*scope.decorator_list, *scope.bases, *scope.keywords], list(scope.body)
    return [], list(ast.iter_child_nodes(scope))  # a comprehension


def _loads(nodes: list[ast.AST]) -> set[str]:
    """Names ``nodes`` read in their scope, and what the scopes nested in them read from around."""
    direct = _direct(nodes)
    loads = {n.id for n in direct if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    for scope in (n for n in direct if isinstance(n, _SCOPES)):
        outside, inside = _outside_and_inside(scope)
        body = _direct(inside)
        local = {n.id for n in body if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        local |= {n.arg for n in body if isinstance(n, ast.arg)}
        local |= {n.name for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        local -= {name for n in body if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}
        loads |= _loads(outside) | (_loads(inside) - local)
    return loads


def _bound_by(node: ast.AST) -> set[str]:
    visitor = _TopLevelBindings()
    visitor.visit(node)
    return visitor.names


#: Statements whose bindings may not happen (a loop that runs no time, a branch not taken).
_MAYBE = tuple(getattr(ast, name) for name in ("If", "While", "Try", "TryStar", "Match", "For", "AsyncFor")
               if hasattr(ast, name))


def _free_reads(statements: list[ast.stmt], bound: set[str]) -> set[str]:
    """Names ``statements`` read before binding them, given the names ``bound`` already. What a
    branch or a loop binds does not count for the statements after it."""
    bound, free = set(bound), set()
    for stmt in statements:
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            free |= _loads([stmt.iter]) - bound
            inner = bound | _bound_by(stmt.target)
            free |= _free_reads(stmt.body, inner) | _free_reads(stmt.orelse, inner)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            free |= _loads([item.context_expr for item in stmt.items]) - bound
            bound |= set().union(*(_bound_by(item.optional_vars) for item in stmt.items if item.optional_vars))
            free |= _free_reads(stmt.body, bound)
        else:  # a branch (if, while, try, match) counts every name inside
            free |= _loads([stmt]) - bound
        if not isinstance(stmt, _MAYBE):
            bound |= _bound_by(stmt)
    return free


def names_tests_ask_for(test_source: str) -> set[str] | None:
    """The kernel's names a test file asks for: the parameters of its test cases (functions
    decorated with otter's ``test_case``, which otter calls with the notebook's globals of those
    names); ``None`` if it does not parse."""
    try:
        tree = ast.parse(test_source)
    except SyntaxError:
        return _EVERYTHING

    def is_case(decorator: ast.expr) -> bool:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        return (target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")) == "test_case"

    cases = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
             and any(is_case(d) for d in node.decorator_list)]
    return {arg.arg for case in cases for arg in [*case.args.posonlyargs, *case.args.args, *case.args.kwonlyargs]}


def cells_to_skip(nb: NotebookNode, release: NotebookNode, test_sources: Iterable[str], run: set[int]) -> set[int]:
    """Indices of the code cells of ``nb`` (a submission) the grader need not run.

    Args:
        release: the assignment's release notebook (its marked cells are the demonstrations).
        test_sources: the assignment's test files (the names their cases take count as read).
        run: indices of the cells that would run (e.g. nbgrader's test cells left out).
    """
    demonstrations = {cell.source for cell in release.cells if is_demonstration(cell)}
    read_later: set[str] | None = set()
    for text in test_sources:
        read_later = _union(read_later, names_tests_ask_for(text))
    skipped = set()
    for index in sorted(run, reverse=True):
        cell = nb.cells[index]
        if cell.cell_type != "code":
            continue
        bound = names_bound(cell.source) if cell.source in demonstrations else None
        if read_later is not None and bound is not None and not bound & read_later:
            skipped.add(index)
            continue
        read_later = _union(read_later, names_read(cell.source))
    return skipped


def _union(known: set[str] | None, more: set[str] | None) -> set[str] | None:
    return None if known is None or more is None else known | more
