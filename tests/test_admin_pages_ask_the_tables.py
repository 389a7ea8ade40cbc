"""The administration's and the dashboards' pages and UI helpers ask the workflow tables: no
`.role` comparison and no `Role.X` anywhere in them (issue 14)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = ["pages/home.py", "pages/dashboard.py", "pages/rankings.py", "pages/users.py", "pages/settings.py",
         "pages/audit.py", "pages/account.py", "pages/budgets.py", "portal/ui/dashboards.py",
         "portal/ui/charts.py", "portal/ui/signin.py"]


def _role_checks(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(n, ast.Attribute) and n.attr == "role" for side in sides for n in ast.walk(side)):
                lines.append(node.lineno)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role":
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", FILES)
def test_no_role_comparisons(path: str) -> None:
    assert _role_checks(ast.parse((ROOT / path).read_text(encoding="utf-8"))) == []
