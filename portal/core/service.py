"""One user action, one transaction (DOMAIN.md rule 10).

A write service is written as a function of the session:

    @service(MATCH, "record")
    def record_match(s: Session, *, actor: Actor, result_id: uuid.UUID, …) -> Match:

Called as `record_match(actor=…, …)` it runs in a transaction of its own and commits; a composite
action calls `record_match.within(s, actor=…, …)` inside its own transaction, so a refusal
anywhere rolls back everything. Reads are declared with `@reader(WORKFLOW)` and open their own
short sessions. Both record which workflow (and action) governs the function, which is how the
authorization test finds every service that takes an actor and what it should allow.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, Protocol, TypeVar

from db.engine import transaction
from portal.core import cache  # noqa: F401 — its commit hooks tell every process (and this one) what changed
from portal.core.workflow import Workflow

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Declared:
    """What a service function says about itself, for the authorization test."""

    workflow: Workflow | None
    actions: tuple[str, ...]  # the steps it serves (a read may serve several readers' grants)
    writes: bool

    @property
    def action(self) -> str | None:
        return self.actions[0] if self.actions else None


class Service(Protocol[P, R]):
    """A write service: call it for its own transaction, or `.within(s, …)` inside another."""

    within: Callable[..., R]
    __policy__: Declared

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...


def service(workflow: Workflow | None = None, action: str | None = None) -> Callable[[Callable[..., R]], Any]:
    """Declare a write service of workflow's action; see the module docstring."""

    def wrap(fn: Callable[..., R]) -> Any:
        @functools.wraps(fn)
        def public(*args: Any, **kwargs: Any) -> R:
            with transaction() as s:
                return fn(s, *args, **kwargs)

        sig = inspect.signature(fn)
        params = list(sig.parameters.values())
        if not params or params[0].name != "s":
            raise TypeError(f"{fn.__qualname__}: a service takes the session `s` first")
        public.__signature__ = sig.replace(parameters=params[1:])  # type: ignore[attr-defined]
        public.within = fn  # type: ignore[attr-defined]
        public.__policy__ = Declared(workflow, (action,) if action else (), writes=True)  # type: ignore[attr-defined]
        return public

    return wrap


def reader(workflow: Workflow | None = None, *actions: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare a read service governed by workflow's actions (reading, by default)."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        fn.__policy__ = Declared(workflow, actions or ("read",), writes=False)  # type: ignore[attr-defined]
        return fn

    return wrap
