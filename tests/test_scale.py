"""The province-scale generator (proportions, determinism, consistency on both databases) and
`portal seed scale`."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, SQLModel, select

from db.models import Contract, FeeClaim, Organization, Result, UserAccount, VoucherRedemption
from portal.cli import main
from portal.core.auth import verify_password
from portal.core.settings import get_settings
from seed import scale

AS_OF = date(2026, 11, 25)
N = 400


def _digest(rows_by_table: dict) -> str:
    h = hashlib.sha256()
    for table, (cols, rows) in rows_by_table.items():
        h.update(repr((table, cols, rows)).encode())
    return h.hexdigest()


def _collect(**kw) -> dict[str, tuple[tuple, list]]:
    out: dict[str, tuple[tuple, list]] = {}
    for table, cols, rows in scale.generate(password_hash="x", as_of=AS_OF, **kw):
        prev = out.get(table, (cols, []))[1]
        out[table] = (cols, prev + list(rows))
    return out


@pytest.fixture(scope="module")
def data() -> dict[str, tuple[tuple, list]]:
    return _collect(results=N, seed=7)


def test_same_seed_same_data_other_seed_other_data(data) -> None:  # noqa: ANN001
    assert _digest(_collect(results=N, seed=7)) == _digest(data)
    assert _digest(_collect(results=N, seed=8)) != _digest(data)
    # the demo password hash is deterministic too, and still checks
    assert scale.demo_password_hash(7) == scale.demo_password_hash.__wrapped__(7)
    assert verify_password("Demo@2026", scale.demo_password_hash(7))


def test_every_table_in_proportion(data) -> None:  # noqa: ANN001
    count = {t: len(rows) for t, (_c, rows) in data.items()}
    # reference rows, the search index's own state, counters (they start after the stored numbers),
    # the keys that make a form submit once (the generator writes through no form)
    skipped = {"region", "search_state", "result_terms", "number_counter", "action_key",
               "result_vector", "demand_vector",  # vectors: `portal search embed` computes them
               # messages are written by changes made through the services; settings and
               # preferences are rows only where someone changed a default
               "outbox_message", "notify_setting", "notify_preference"}
    assert {t.name for t in SQLModel.metadata.sorted_tables} - skipped <= {t for t, n in count.items() if n}
    assert count["result"] == N
    assert count["demand"] == N // 2
    assert count["match_record"] == 3 * N // 2
    assert count["intent"] == N // 2
    assert count["pilot_booking"] == N // 4
    assert count["contract"] == N // 2
    assert count["audit_entry"] > N * 2  # an entry for every record an operator created


def test_spread_over_cities_and_years(data) -> None:  # noqa: ANN001
    cols, rows = data["result"]
    city, created = cols.index("city_code"), cols.index("created_at")
    by_city = Counter(r[city] for r in rows)
    assert len(by_city) == 11
    assert by_city["330100"] == max(by_city.values())  # Hangzhou is the largest
    years = {r[created][:4] for r in rows}
    assert len(years) >= 4


def test_one_city_file_has_only_that_city() -> None:
    data = _collect(results=200, seed=7, city="330200")
    for table, (cols, rows) in data.items():
        if "city_code" in cols and table not in ("organization", "user_account", "audit_entry"):
            assert {r[cols.index("city_code")] for r in rows} <= {"330200", None}, table


def _indexes(engine) -> set[tuple[str, str]]:  # noqa: ANN001
    from sqlalchemy import inspect

    insp = inspect(engine)
    return {(t, ix["name"]) for t in insp.get_table_names() for ix in insp.get_indexes(t)}


def test_load_is_consistent_on_both_databases(engine) -> None:  # noqa: ANN001
    indexes = _indexes(engine)
    written = scale.load(engine, results=300, seed=3, as_of=AS_OF)
    assert _indexes(engine) == indexes  # dropped for the load, rebuilt as they were
    assert written["result"] == 300
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Result)).one() == 300
        # rows read back as models: aware timestamps, Decimal money, UUID ids
        deal = s.exec(select(Contract).where(Contract.kind != "trial").limit(1)).first()
        assert deal.deal_amount > 0 and deal.created_at.tzinfo is not None and deal.parent_trial_id
        # DOMAIN rule 1: trials are ordinary licences, free, within the licensor's limit
        assert not s.exec(select(Contract).where(Contract.kind == "trial", Contract.licence_type != "ordinary")).first()
        running = s.exec(select(Contract.result_id, func.count()).where(
            Contract.kind == "trial", Contract.end_date >= AS_OF).group_by(Contract.result_id)).all()
        limits = dict(s.exec(select(Result.id, Result.max_trial_licensees)).all())
        assert all(limits[r] is None or n <= limits[r] for r, n in running)
        # rule 6: service fees at least 5 % of the deal; rule 7: refunds never above the premium
        for claim in s.exec(select(FeeClaim).where(FeeClaim.kind == "service_fee")).all():
            assert claim.amount >= claim.basis_amount * claim.rate >= claim.basis_amount * 5 / 100
        red = s.exec(select(VoucherRedemption).limit(1)).first()
        assert red.amount > 0
        credit = s.exec(select(Organization.credit_code, func.count()).group_by(Organization.credit_code)
                        .having(func.count() > 1)).all()
        assert credit == []
        admin = s.exec(select(UserAccount).where(UserAccount.username == "hz_operator")).one()
        assert admin.agency_id and admin.role == "city_operator"
        if engine.dialect.name == "sqlite":
            assert s.connection().execute(text("PRAGMA foreign_key_check")).all() == []


def test_cli_seed_scale_fills_an_empty_database_and_refuses_a_full_one(tmp_path, capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    args = ["seed", "scale", "--results", "250", "--data-dir", str(tmp_path), "--quiet", "--as-of", "2026-11-25"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "已写入" in out and "result" in out
    assert main(args) == 2
    assert "数据库里已经有 250 项成果" in capsys.readouterr().err
    assert main(["--lang", "en", "seed", "scale", "--results", "lots", "--data-dir", str(tmp_path)]) == 2
    assert "Number of results" in capsys.readouterr().err
    assert main(["seed", "scale", "--results", "10", "--city", "上海", "--data-dir", str(tmp_path)]) == 2
    assert "不是浙江省的地级市" in capsys.readouterr().err
    get_settings.cache_clear()


def test_a_database_without_an_optional_column_still_loads(sqlite_engine) -> None:  # noqa: ANN001
    """Columns other capabilities add later are optional to the generator (here: demand.terms)."""
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE demand DROP COLUMN terms")
    written = scale.load(sqlite_engine, results=60, seed=3, as_of=AS_OF)
    assert written["demand"] == 30
