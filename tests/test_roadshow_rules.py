"""The roadshow and intent tables (portal.roadshows.rules), service by service: every public
roadshow, intent and deck service × every role of the own city, another city and the province ×
a draft, a published and a closed roadshow; then each rule allowed and refused, the pickers, paging,
one transaction per action, and the layering (on SQLite and PostgreSQL)."""

from __future__ import annotations

import ast
import inspect
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from sqlmodel import func, select

from db.engine import read_session
from db.models import (
    AuditEntry,
    Intent,
    Match,
    Organization,
    Roadshow,
    RoadshowAttendance,
    RoadshowItem,
)
from portal.core import directory
from portal.core.actor import Actor
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.workflow import allowed_actions, may
from portal.roadshows import attendance, cards, decks, intents, items, listing, plans, summary
from portal.roadshows.plans import RoadshowInput
from portal.roadshows.rules import INTENT, ROADSHOW
from tests.factories import credit_code, make_result, make_user
from tests.test_roadshows import _start, plan

ROOT = Path(__file__).resolve().parents[1]
MODULES: tuple[ModuleType, ...] = (plans, items, attendance, listing, cards, summary, intents, decks)
REFUSED = (NotFound, PermissionDenied)
GOOD = dict(company_name="杭州恒拓科技有限公司", contact_person="王经理", phone="13812345678", wants=["trial"])


def services() -> list:
    """Every public function of the roadshow capability that takes an actor, with its declaration."""
    found = {}
    for module in MODULES:
        for name, fn in vars(module).items():
            if name.startswith("_") or not callable(fn) or getattr(fn, "__module__", None) != module.__name__:
                continue
            if "actor" in inspect.signature(fn).parameters:
                assert hasattr(fn, "__policy__"), f"{module.__name__}.{name} is neither @service nor @reader"
                found[f"{module.__name__.rsplit('.', 1)[1]}.{name}"] = fn
    return sorted(found.items())


def test_every_service_is_declared_and_found() -> None:
    names = {name for name, _ in services()}
    assert {"plans.create_roadshow", "items.add_item", "items.listed_results", "items.list_presenters",
            "attendance.set_present", "listing.list_roadshows", "cards.cards", "summary.summary",
            "intents.list_intents", "intents.convert_intent", "decks.deck_pdf", "decks.deck_pptx"} <= names
    assert len(names) == 23


@dataclass(frozen=True)
class Stage:
    """A roadshow in one status, with one item, one intent and one attendance row."""

    label: str
    show: Roadshow
    item_id: uuid.UUID
    intent: Intent | None
    attendance_id: uuid.UUID


def _stage(city, label: str, status: str) -> Stage:  # noqa: ANN001
    show, made = plan(city, title=f"{label}路演", n_items=1, publish=status != "draft")
    row = attendance.register_attendance(actor=city.operator, roadshow_id=show.id, company_name=GOOD["company_name"],
                                         credit_code=city.enterprise.credit_code)
    intent = None
    if status != "draft":
        intents.submit_intent(token=made[0].token, credit_code=credit_code(city.code[:4] + "06"), **GOOD)
        with read_session() as s:
            intent = s.exec(select(Intent).where(Intent.roadshow_item_id == made[0].id)).one()
    if status == "closed":
        plans.close_roadshow(actor=city.operator, roadshow_id=show.id)
    with read_session() as s:
        show = s.get(Roadshow, show.id)
    return Stage(label, show, made[0].id, intent, row.id)


@pytest.fixture
def stages(world):  # noqa: ANN001, ANN201
    """Hangzhou's roadshows in each status and a published Ningbo one."""
    return [_stage(world.hz, "hz_draft", "draft"), _stage(world.hz, "hz_published", "published"),
            _stage(world.hz, "hz_closed", "closed"), _stage(world.nb, "nb_published", "published")]


def _cast(world) -> dict[str, Actor]:  # noqa: ANN001
    hz, nb = world.hz, world.nb
    return {"hz_operator": hz.operator, "hz_plain_operator": hz.plain_operator, "hz_manager": hz.manager,
            "hz_presenter": hz.presenter, "hz_officer": hz.officer, "hz_enterprise": hz.enterprise_user,
            "nb_operator": nb.operator, "nb_manager": nb.manager, "nb_presenter": nb.presenter,
            "province_admin": world.admin, "province_manager": world.province_manager}


def _arguments(fn, stage: Stage, world) -> dict:  # noqa: ANN001
    """Arguments a form would hand fn for stage's records (valid ones, so only the table refuses)."""
    values = dict(roadshow_id=stage.show.id, item_id=stage.item_id, attendance_id=stage.attendance_id,
                  intent_id=stage.intent.id if stage.intent else uuid.uuid4(), result_id=world.nb.result.id,
                  data=RoadshowInput(title="改期的路演", starts_at=_start(), venue="路演厅"),
                  item_ids=[stage.item_id], step=1, present=True, company_name="杭州到场科技有限公司",
                  credit_code=credit_code("330106"), presenter_name="讲解人")
    wanted = {name for name, p in inspect.signature(fn).parameters.items()
              if p.default is inspect.Parameter.empty or name == "presenter_name"}
    return {k: v for k, v in values.items() if k in wanted and k != "actor"}


def _record(fn, stage: Stage):  # noqa: ANN001, ANN202
    """What fn's declaration is measured against: the roadshow, the intent, or nothing (the entity)."""
    params = inspect.signature(fn).parameters
    if "intent_id" in params:
        return stage.intent
    if {"roadshow_id", "item_id", "attendance_id"} & {n for n, p in params.items()
                                                      if p.default is inspect.Parameter.empty}:
        return stage.show
    return None


def _counts() -> tuple[int, ...]:
    with read_session() as s:
        return tuple(s.exec(select(func.count()).select_from(m)).one()
                     for m in (Roadshow, RoadshowItem, RoadshowAttendance, Intent, Match, Organization, AuditEntry))


def test_every_service_follows_the_table_for_every_role(world, stages) -> None:  # noqa: ANN001
    """Reads the table allows succeed; everything else is refused, out-of-sight records as absent
    (never a status refusal that would reveal them), and nothing changes."""
    before = _counts()
    presenter_got: set[tuple[str, str]] = set()
    cells = 0
    for who, actor in _cast(world).items():
        for name, fn in services():
            declared = fn.__policy__
            for stage in stages:
                record = _record(fn, stage)
                if record is None and stage is not stages[0]:
                    continue  # an entity-level service: once per actor
                if record is None:
                    allowed = declared.workflow.may(actor, declared.action)
                elif record is stage.intent and stage.intent is None:
                    continue
                else:
                    allowed = declared.workflow.may(actor, declared.action, record)
                if declared.writes and allowed:
                    continue  # allowed writes are taken one by one in the tests below
                cells += 1
                where = f"{who} × {name} × {stage.label}"
                call = lambda: fn(actor=actor, **_arguments(fn, stage, world))  # noqa: E731, B023
                if allowed:
                    call()
                    if who == "hz_presenter":
                        presenter_got.add((name, stage.label if record is not None else "-"))
                    continue
                # a status refusal only for a record the actor sees, from a step its role has
                sighted = record is not None and ROADSHOW.may(actor, "read", stage.show) and \
                    actor.role in declared.workflow.roles(declared.action)
                try:
                    call()
                except REFUSED:
                    continue
                except ValidationError as err:
                    assert sighted, f"{where}: {err.key}"
                    continue
                pytest.fail(f"{where}: allowed")
    assert cells > 500, cells
    # DOMAIN.md rule 9: a presenter gets the published cards of its city, their deck, and nothing else
    assert presenter_got == {("listing.list_roadshows", "-"), ("listing.get_roadshow", "hz_published"),
                             ("cards.cards", "hz_published"), ("decks.deck_pdf", "hz_published"),
                             ("decks.deck_pptx", "hz_published")}
    assert _counts() == before


# --- the roadshow table, rule by rule ----------------------------------------------------------

def test_buttons_follow_the_status_and_the_role(world, stages) -> None:  # noqa: ANN001
    draft, live, closed, nb_live = (listing.get_roadshow(actor=world.admin, roadshow_id=st.show.id) for st in stages)
    op = world.hz.plain_operator  # any operator of the city, not only its administrator
    assert {"update", "arrange", "publish", "attend"} <= set(allowed_actions(op, draft))
    assert "close" not in allowed_actions(op, draft) and not may(op, "share_links", draft)
    assert {"update", "arrange", "close", "share_links"} <= set(allowed_actions(op, live))
    assert "publish" not in allowed_actions(op, live)
    closed_actions = set(allowed_actions(op, closed))
    assert {"attend", "share_links", "deck", "read_details"} <= closed_actions
    assert not closed_actions & {"update", "arrange", "publish", "close"}
    assert allowed_actions(world.hz.presenter, live) == ["present", "deck"]
    assert allowed_actions(world.hz.presenter, draft) == [] and allowed_actions(world.nb.presenter, live) == []
    assert set(allowed_actions(world.hz.manager, live)) == {"read_details", "deck", "share_links"}
    assert allowed_actions(world.nb.operator, live) == [] and allowed_actions(world.hz.operator, nb_live) == []
    assert may(world.hz.operator, "create", "roadshow") and not may(world.hz.manager, "create", "roadshow")
    assert not may(world.hz.presenter, "create", "roadshow")


def test_a_plain_operator_plans_and_the_province_names_the_agency(world) -> None:  # noqa: ANN001
    data = RoadshowInput(title="宁波专场", starts_at=_start(), venue="宁波路演厅")
    with pytest.raises(ValidationError) as err:
        plans.create_roadshow(actor=world.admin, data=data)
    assert err.value.field == "agency"
    show = plans.create_roadshow(actor=world.admin, data=data, agency_id=world.nb.agency.id)
    assert (show.city_code, show.agency_id) == ("330200", world.nb.agency.id)
    # a city operator plans for its own agency, whatever agency a form names
    own = plans.create_roadshow(actor=world.hz.plain_operator, data=data, agency_id=world.nb.agency.id)
    assert (own.city_code, own.agency_id) == ("330100", world.hz.agency.id)
    items.add_item(actor=world.hz.plain_operator, roadshow_id=own.id, result_id=world.hz.result.id,
                   presenter_name="讲解人")
    assert plans.publish_roadshow(actor=world.hz.plain_operator, roadshow_id=own.id).status == "published"
    for actor in (world.hz.manager, world.hz.presenter, world.hz.officer, world.hz.enterprise_user):
        with pytest.raises(PermissionDenied):
            plans.create_roadshow(actor=actor, data=data)
        with pytest.raises(PermissionDenied):
            plans.close_roadshow(actor=actor, roadshow_id=own.id)
    with pytest.raises(NotFound):
        plans.close_roadshow(actor=world.nb.operator, roadshow_id=own.id)
    assert plans.close_roadshow(actor=world.admin, roadshow_id=own.id).status == "closed"


def test_status_refusals_name_the_status(world) -> None:  # noqa: ANN001
    show, made = plan(world.hz, n_items=1)
    with pytest.raises(ValidationError) as err:
        plans.close_roadshow(actor=world.hz.operator, roadshow_id=show.id)
    assert (err.value.key, err.value.field) == ("roadshows.error.not_published", "roadshow_status")
    plans.publish_roadshow(actor=world.hz.operator, roadshow_id=show.id)
    with pytest.raises(ValidationError) as err:
        plans.publish_roadshow(actor=world.hz.operator, roadshow_id=show.id)
    assert (err.value.key, err.value.field) == ("roadshows.error.not_draft", "roadshow_status")
    plans.close_roadshow(actor=world.hz.operator, roadshow_id=show.id)
    for call in (lambda: items.move_item(actor=world.hz.operator, item_id=made[0].id, step=1),
                 lambda: items.update_item(actor=world.hz.operator, item_id=made[0].id, presenter_name="新"),
                 lambda: plans.update_roadshow(actor=world.hz.operator, roadshow_id=show.id,
                                               data=RoadshowInput(title="改名", starts_at=_start(), venue="x"))):
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.key == "roadshows.error.closed"
    # attendance is recorded after the event too
    row = attendance.register_attendance(actor=world.hz.operator, roadshow_id=show.id, company_name="杭州来客有限公司",
                                         credit_code=credit_code("330106"), present=True)
    assert row.present


def test_presenter_deck_only_while_published(world) -> None:  # noqa: ANN001
    show, _ = plan(world.hz, n_items=1, publish=True)
    assert decks.deck_pptx(actor=world.hz.presenter, roadshow_id=show.id).startswith(b"PK")
    with pytest.raises(NotFound):
        decks.deck_pptx(actor=world.nb.presenter, roadshow_id=show.id)
    plans.close_roadshow(actor=world.hz.operator, roadshow_id=show.id)
    with pytest.raises(NotFound):
        decks.deck_pptx(actor=world.hz.presenter, roadshow_id=show.id)
    assert decks.deck_pptx(actor=world.hz.manager, roadshow_id=show.id).startswith(b"PK")


# --- pickers ------------------------------------------------------------------------------------

def test_pickers_offer_what_the_services_take(world) -> None:  # noqa: ANN001
    show, _ = plan(world.hz)
    draft = make_result(world.hz.licensor, status="draft", title="未上架的成果")
    found = items.listed_results(actor=world.hz.operator)
    assert {world.hz.result.id, world.nb.result.id} <= {r.id for r in found} and draft.id not in {r.id for r in found}
    assert items.listed_results(actor=world.hz.operator, query="100%") == []  # a wildcard is text
    for actor in (world.hz.presenter, world.hz.manager, world.hz.enterprise_user):
        with pytest.raises(PermissionDenied):
            items.listed_results(actor=actor)
    gone = make_user("hz_presenter_gone", "presenter", city="330100", disabled=True)
    offered = {p.id for p in items.list_presenters(actor=world.hz.operator, roadshow_id=show.id)}
    assert offered == {world.hz.presenter.user_id}
    with pytest.raises(ValidationError) as err:  # what the picker does not offer, add_item does not take
        items.add_item(actor=world.hz.operator, roadshow_id=show.id, result_id=world.hz.result.id,
                       presenter_user_id=gone.user_id)
    assert err.value.field == "roadshow_presenter"
    with pytest.raises(NotFound):
        items.list_presenters(actor=world.nb.operator, roadshow_id=show.id)
    with pytest.raises(PermissionDenied):
        items.list_presenters(actor=world.hz.presenter, roadshow_id=show.id)
    assert [a.id for a in directory.agencies(actor=world.hz.plain_operator)] == [world.hz.agency.id]
    assert directory.agencies(actor=world.hz.presenter) == []


# --- intents ------------------------------------------------------------------------------------

def test_intents_are_paged_read_by_the_city_and_converted_while_open(world) -> None:  # noqa: ANN001
    show, made = plan(world.hz, n_items=1, publish=True)
    for n in range(3):
        intents.submit_intent(token=made[0].token, credit_code=credit_code("330106"),
                              **{**GOOD, "company_name": f"杭州第{n}号科技有限公司"})
    page = intents.list_intents(actor=world.hz.operator, roadshow_id=show.id, page=9, page_size=2)
    assert (page.number, page.pages, page.total, len(page.rows)) == (2, 2, 3, 1)  # clamped to the last page
    assert intents.list_intents(actor=world.hz.manager).total == 3
    assert intents.list_intents(actor=world.province_manager).total == 3
    assert intents.list_intents(actor=world.nb.manager).total == 0
    for actor in (world.hz.presenter, world.hz.officer, world.hz.enterprise_user):
        with pytest.raises(PermissionDenied):
            intents.list_intents(actor=actor)
    row = page.rows[0]
    assert may(world.hz.operator, "convert", row) and not may(world.hz.manager, "convert", row)
    assert INTENT.allowed_actions(world.nb.operator, row) == []
    with pytest.raises(PermissionDenied):
        intents.convert_intent(actor=world.hz.manager, intent_id=row.id)
    intents.convert_intent(actor=world.hz.operator, intent_id=row.id)
    again = next(r for r in intents.list_intents(actor=world.hz.operator).rows if r.id == row.id)
    assert again.status == "matched" and not may(world.hz.operator, "convert", again)


# --- one transaction per action ----------------------------------------------------------------

def _audit(action: str) -> int:
    with read_session() as s:
        return s.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)).one()


def test_a_refusal_changes_nothing_and_a_move_is_one_action(world) -> None:  # noqa: ANN001
    show, made = plan(world.hz, n_items=3, publish=True)
    intents.submit_intent(token=made[0].token, credit_code=credit_code("330106"), **GOOD)
    before = _counts()
    with pytest.raises(ValidationError) as err:
        items.remove_item(actor=world.hz.operator, item_id=made[0].id)
    assert err.value.key == "roadshows.error.item_has_intents" and _counts() == before
    with pytest.raises(ValidationError):
        items.reorder_items(actor=world.hz.operator, roadshow_id=show.id, item_ids=[made[0].id, made[0].id, made[1].id])
    assert _counts() == before
    items.move_item(actor=world.hz.operator, item_id=made[2].id, step=-1)
    assert _audit("roadshow.item_move") == 2
    items.remove_item(actor=world.hz.operator, item_id=made[2].id)  # the last one closes ranks in the same action
    assert [(r.id, r.position) for r in items.list_items(actor=world.hz.operator, roadshow_id=show.id)] == [
        (made[0].id, 1), (made[1].id, 2)]
    assert (_audit("roadshow.item_remove"), _audit("roadshow.item_move")) == (1, 3)


# --- layering -----------------------------------------------------------------------------------

UI_FILES = ("pages/roadshows.py", "pages/presenter.py", "portal/web/public.py", "portal/web/intent_page.py",
            "portal/ui/roadshows.py",
            "portal/ui/roadshow_admin.py")
LAZY_OK = ("pptx", "reportlab")  # heavy libraries, imported when a deck is built


def test_pages_and_ui_ask_the_table() -> None:
    for path in UI_FILES:
        text = (ROOT / path).read_text()
        for bad in (".role", "Role.", "WRITER_ROLES", "READER_ROLES", '.status ==', '.status !=', '"draft"',
                    '"published"', '"closed"'):
            assert bad not in text, f"{path}: {bad}"


def test_services_open_no_transaction_and_import_at_the_top() -> None:
    for path in sorted((ROOT / "portal/roadshows").glob("*.py")):
        tree = ast.parse(path.read_text())
        assert "transaction()" not in path.read_text(), path.name
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom):
                        assert (inner.module or "").startswith(LAZY_OK), f"{path.name}:{inner.lineno}"
                    elif isinstance(inner, ast.Import):
                        assert all(a.name.startswith(LAZY_OK) for a in inner.names), f"{path.name}:{inner.lineno}"
    assert ROADSHOW.entity == "roadshow" and INTENT.entity == "intent"
