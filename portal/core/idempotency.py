"""A form submission is carried out once: each form instance carries a key (portal/ui/forms.py),
and a create service given the same key again (a double click, a retry after a dropped answer,
a reload) hands back the record the first submission made instead of making a second."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from db.models import ActionKey
from portal.core import validation
from portal.core.actor import Actor
from portal.core.errors import ValidationError

T = TypeVar("T", bound=SQLModel)


def clean_key(value: str | None) -> str | None:
    """A submission key as a form hands it over (empty: the caller wants no de-duplication)."""
    return validation.text(value, field="idempotency_key", max_length=64, required=False) or None


def once(s: Session, actor: Actor, key: str | None, action: str, model: type[T], make: Callable[[], T]) -> T:
    """make()'s record, or the one an earlier submission with key made (inside the caller's
    transaction). A key used by another user or for another action is refused."""
    key = clean_key(key)
    if key is None:
        return make()
    earlier = _earlier(s, actor, key, action, model)
    if earlier is not None:
        return earlier
    record = make()
    s.flush()
    try:
        with s.begin_nested():  # a concurrent submission with the same key may have won
            s.add(ActionKey(key=key, action=action, actor_id=actor.user_id, entity=model.__tablename__,  # type: ignore[attr-defined]
                            entity_id=str(record.id)))  # type: ignore[attr-defined]
            s.flush()
    except IntegrityError:  # the twin committed first: this one is rolled back, and the page reloads
        raise ValidationError("error.already_submitted", field="idempotency_key") from None
    return record


def _earlier(s: Session, actor: Actor, key: str, action: str, model: type[T]) -> T | None:
    done = s.get(ActionKey, key)
    if done is None:
        return None
    if done.action != action or done.actor_id != actor.user_id:
        raise ValidationError("error.key_reused", field="idempotency_key")
    return s.get(model, uuid.UUID(done.entity_id))


