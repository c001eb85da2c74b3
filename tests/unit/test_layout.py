"""The layout issue 12 asks for, checked on every run: every module of srcscan under 500 lines
(test_process_kinds checks that no analysis module imports the parser), and imports inside
functions only in the modules that keep them for start-up."""

import ast
from pathlib import Path

SRCSCAN = Path(__file__).parent.parent.parent / "srcscan"


def test_every_module_is_under_500_lines():
    long = {str(p.relative_to(SRCSCAN)): n for p in SRCSCAN.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) >= 500}
    assert not long, f"modules of 500 lines or more: {long}"


# Modules allowed an import inside a function body, each only to keep start-up short (README
# "Code layout"): no import cycle needs one any more.
LAZY_IMPORTS = frozenset({
    "commands/common.py", "commands/explain.py", "commands/history.py", "diff/text.py", "explain/distributed.py",
    "explain/engines.py", "explain/lines.py", "explain/native.py", "explain/run.py", "explain/versions.py",
    "patterns.py", "pipeline.py", "progress.py", "releases.py", "render/common.py", "render/diff.py",
    "requirement_dnf.py", "sources/obtain.py",
})


def _imports_in_functions(tree: ast.AST) -> list[int]:
    lines = []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines += [n.lineno for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))]
    return lines


def test_imports_inside_functions_only_where_start_up_needs_them():
    found = {str(p.relative_to(SRCSCAN)): lines for p in sorted(SRCSCAN.rglob("*.py"))
             if (lines := _imports_in_functions(ast.parse(p.read_text(encoding="utf-8"))))}
    assert "analyze/options.py" not in found and "extract/__init__.py" not in found
    unexpected = {path: lines for path, lines in found.items() if path not in LAZY_IMPORTS}
    assert not unexpected, f"imports inside functions (move them to the top, or list the module): {unexpected}"
