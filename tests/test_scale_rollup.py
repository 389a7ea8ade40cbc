"""`portal rollup`: city SQLite files merge into the province database idempotently; a newer row
wins; files of the wrong city, of several cities or of an older schema are refused with nothing
changed."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from db.engine import get_engine, make_engine
from db.models import AuditEntry, Organization, Result
from db.reference import ensure_regions
from portal.admin.rollup import rollup_files as _rollup_files
from portal.cli import main
from portal.core.errors import ValidationError
from seed import scale

AS_OF = date(2026, 11, 25)


def rollup_files(paths, **kw):  # noqa: ANN001, ANN201
    """Without the search step (jieba) unless a test asks for it: it has a test of its own."""
    kw.setdefault("search", False)
    return _rollup_files(paths, **kw)


def _city_file(path: Path, city: str | None, results: int = 120) -> Path:
    eng = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(eng)
    with Session(eng) as s:
        ensure_regions(s)
        s.commit()
    scale.load(eng, results=results, seed=11, as_of=AS_OF, city=city)
    eng.dispose()
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Pristine files: Ningbo's, Hangzhou's and a province-wide one (several cities)."""
    d = tmp_path_factory.mktemp("cities")
    return {"nb": _city_file(d / "nb.db", "330200"), "hz": _city_file(d / "hz.db", "330100"),
            "all": _city_file(d / "all.db", None, results=30)}


@pytest.fixture
def nb(files, tmp_path) -> Path:  # noqa: ANN001
    """A copy of Ningbo's file this test may change."""
    return Path(shutil.copy(files["nb"], tmp_path / "ningbo.db"))


def _counts() -> tuple[int, int, int]:
    with Session(get_engine()) as s:
        return (s.exec(select(func.count()).select_from(Result)).one(),
                s.exec(select(func.count()).select_from(Organization)).one(),
                s.exec(select(func.count()).select_from(AuditEntry)).one())


def _file_results(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM result").fetchone()[0]


def test_rollup_twice_changes_nothing_and_a_newer_row_wins(engine, files, nb) -> None:  # noqa: ANN001
    first = rollup_files([str(nb), str(files["hz"])])
    assert [r.city for r in first] == ["330200", "330100"]
    assert first[0].inserted > 0 and first[0].updated == 0
    after_first = _counts()
    assert after_first[0] == _file_results(nb) + _file_results(files["hz"])
    again = rollup_files([str(nb), str(files["hz"])])
    assert [(r.inserted, r.updated) for r in again] == [(0, 0), (0, 0)]
    assert _counts() == after_first  # not even an audit entry

    with sqlite3.connect(nb) as conn:  # the city edits one result later, and another one "earlier"
        ids = [r[0] for r in conn.execute("SELECT id FROM result ORDER BY id LIMIT 2")]
        conn.execute("UPDATE result SET title = '新标题', updated_at = '2026-11-25 08:00:00.000000' WHERE id = ?", (ids[0],))
        conn.execute("UPDATE result SET title = '旧改动', updated_at = '2000-01-01 00:00:00.000000' WHERE id = ?", (ids[1],))
    third = rollup_files([str(nb)])
    assert (third[0].inserted, third[0].updated) == (0, 1)
    with Session(get_engine()) as s:
        titles = set(s.exec(select(Result.title)).all())
    assert "新标题" in titles and "旧改动" not in titles
    assert _counts()[0] == after_first[0]


def test_a_company_registered_in_both_places_is_merged_by_credit_code(engine, nb) -> None:  # noqa: ANN001
    with sqlite3.connect(nb) as conn:
        org_id, credit = conn.execute(
            "SELECT owner_org_id, o.credit_code FROM result JOIN organization o ON o.id = owner_org_id LIMIT 1").fetchone()
    with Session(get_engine()) as s:  # the province already knows the institution, under its own id
        province_org = Organization(name="省里登记的同一单位", kind="university", credit_code=credit, city_code="330200")
        s.add(province_org)
        s.commit()
        province_id = province_org.id
    rollup_files([str(nb)])
    with Session(get_engine()) as s:
        assert s.exec(select(func.count()).select_from(Organization).where(Organization.credit_code == credit)).one() == 1
        owners = set(s.exec(select(Result.owner_org_id).where(Result.city_code == "330200")).all())
    assert province_id in owners
    assert org_id.replace("-", "") not in {o.hex for o in owners}


def _spoil(path: Path, sql: str) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute(sql)
    return path


def test_merged_listed_results_become_searchable(engine, nb) -> None:  # noqa: ANN001
    from db.models import ResultTerms

    reports = rollup_files([str(nb)], search=True)
    with Session(get_engine()) as s:
        listed = s.exec(select(func.count()).select_from(Result).where(Result.status == "listed")).one()
        tokens = s.exec(select(func.count()).select_from(ResultTerms).where(ResultTerms.listed == True)).one()  # noqa: E712
    assert reports[0].inserted and listed and tokens == listed


def test_refused_files_change_nothing(engine, files, tmp_path) -> None:  # noqa: ANN001
    """Wrong city, several cities, another city's records, an older schema, junk, no file."""
    def copy(name: str) -> Path:
        return Path(shutil.copy(files["nb"], tmp_path / name))

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    cases = [
        ([files["hz"], copy("a.db")], "330100", "rollup.wrong_city"),  # the good file before is not merged either
        ([files["all"]], None, "rollup.several_cities"),
        ([_spoil(copy("b.db"), "UPDATE demand SET city_code = '330300' WHERE id = (SELECT id FROM demand LIMIT 1)")],
         None, "rollup.foreign_rows"),
        ([_spoil(copy("c.db"), "ALTER TABLE result DROP COLUMN last_pilot_on")], None, "rollup.older_schema"),
        ([junk], None, "rollup.not_portal_file"),
        ([tmp_path / "none.db"], None, "rollup.missing_file"),
    ]
    before = _counts()
    errors = {}
    for paths, city, key in cases:
        with pytest.raises(ValidationError) as err:
            rollup_files([str(p) for p in paths], expected_city=city)
        assert err.value.key == key
        errors[key] = err.value
        assert _counts() == before, key
    assert "宁波市" in errors["rollup.wrong_city"].message("zh") and "杭州市" in errors["rollup.wrong_city"].message("zh")
    assert errors["rollup.foreign_rows"].params["table"] == "demand"
    assert "result.last_pilot_on" in errors["rollup.older_schema"].message("en")


def test_cli_rollup_reports_and_refuses_in_the_users_language(engine, nb, capsys, monkeypatch) -> None:  # noqa: ANN001
    from portal.core.settings import get_settings

    url = get_engine().url.render_as_string(hide_password=False)
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)  # the CLI exports it; restored after the test
    get_settings.cache_clear()
    assert main(["rollup", str(nb), "--database-url", url]) == 0
    assert "（宁波市）：新增" in capsys.readouterr().out
    assert main(["--lang", "en", "rollup", str(nb), "--database-url", url]) == 0
    assert "(Ningbo): 0 added, 0 updated" in capsys.readouterr().out
    assert main(["rollup", str(nb), "--city", "330100", "--database-url", url]) == 2
    assert "不是杭州市的" in capsys.readouterr().err
    get_settings.cache_clear()


def test_a_citys_copy_of_the_province_template_merges_into_the_provinces(engine, nb) -> None:  # noqa: ANN001
    import uuid

    from db.models import Contract, ContractTemplate
    from portal.contracts.templates import ensure_default_template

    with Session(get_engine()) as s:  # the province made its default before the city did
        province_template = ensure_default_template(s).id
        s.commit()
    city_template = uuid.uuid4().hex
    with sqlite3.connect(nb) as conn:  # the city's database made its own copy, and a trial uses it
        conn.execute("INSERT INTO contract_template (id, city_code, kind, version, title, body, created_at, reason) "
                     "VALUES (?, NULL, 'trial', 1, '示范文本', '{contract_number}', '2026-11-20 08:00:00.000000', '')",
                     (city_template,))
        contract = conn.execute("SELECT id FROM contract WHERE kind = 'trial' LIMIT 1").fetchone()[0]
        conn.execute("UPDATE contract SET template_id = ? WHERE id = ?", (city_template, contract))
    rollup_files([str(nb)])
    rollup_files([str(nb)])
    with Session(get_engine()) as s:
        rows = s.exec(select(ContractTemplate.id).where(ContractTemplate.kind == "trial",
                                                        ContractTemplate.city_code.is_(None))).all()
        assert rows == [province_template]
        assert s.get(Contract, uuid.UUID(contract)).template_id == province_template
