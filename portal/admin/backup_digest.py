"""What a backup or restore compares: each table's row count and checksum, source against result.

A checksum is the sum of every row's BLAKE2b digest (mod 2**128). A sum does not depend on the
order of the rows, so a dump (rows in physical order) compares with the live table without
sorting either side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path
from typing import Protocol

from alembic.script import ScriptDirectory

from db.migrate import alembic_config, head_revision
from portal.core.errors import ValidationError

# present in an empty, migrated database: restoring over them needs no --force
REFERENCE_TABLES = frozenset({"alembic_version", "region"})
PORTAL_TABLES = frozenset({"organization", "result", "user_account"})  # a backup of ours has them
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MASK = (1 << 128) - 1
STEP = 5000  # rows between two moves of the progress bar


@dataclass(frozen=True)
class TableDigest:
    """A table's row count and checksum."""

    rows: int
    checksum: int

    def short(self) -> str:
        return f"{self.checksum:032x}"[:12]


EMPTY = TableDigest(0, 0)
Digests = dict[str, TableDigest]


@dataclass(frozen=True)
class Copied:
    """What one copy read on each side, and the schema revision it carried."""

    source: Digests
    result: Digests
    revision: str | None
    set_aside: Path | None = None  # a damaged database file moved out of the way first


@dataclass(frozen=True)
class Verification:
    """A finished backup or restore: the file, both sides' digests and the time it took."""

    kind: str  # "sqlite" or "postgresql"
    path: Path
    source: Digests
    result: Digests
    revision: str | None
    seconds: float
    set_aside: Path | None = None

    def differing(self) -> list[str]:
        """Tables whose count or checksum differ (or that only one side has)."""
        return sorted(t for t in {*self.source, *self.result} if self.source.get(t) != self.result.get(t))

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    @property
    def rows(self) -> int:
        return sum(d.rows for d in self.source.values())

    def schema(self) -> str:
        """'current', 'older' (portal db upgrade brings it up) or 'newer' (from a newer program)."""
        if self.revision == head_revision():
            return "current"
        known = {r.revision for r in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()}
        return "older" if self.revision is None or self.revision in known else "newer"


class Mismatch(ValidationError):
    """Source and result differ: the verification travels with the refusal, for the report."""

    def __init__(self, key: str, verification: Verification) -> None:
        super().__init__(key, tables=", ".join(verification.differing()), path=str(verification.path))
        self.verification = verification


class Progress(Protocol):
    """Where a long copy reports: a phase with its total (None if unknown), then steps."""

    def phase(self, name: str, total: int | None) -> None: ...

    def advance(self, n: int) -> None: ...


class Silent:
    """No progress shown."""

    def phase(self, name: str, total: int | None) -> None:
        pass

    def advance(self, n: int) -> None:
        pass


def digest(rows: Iterable[bytes], progress: Progress) -> TableDigest:
    """One table's digest from its rows' bytes, moving the progress bar every STEP rows."""
    count = total = 0
    for data in rows:
        total += int.from_bytes(blake2b(data, digest_size=16).digest(), "big")
        count += 1
        if count % STEP == 0:
            progress.advance(STEP)
    progress.advance(count % STEP)
    return TableDigest(count, total & MASK)


def refuse_holdings(counts: dict[str, int], database: str) -> None:
    """Refuse to overwrite a database that holds records beyond the reference tables."""
    held = sorted(((t, n) for t, n in counts.items() if n and t not in REFERENCE_TABLES), key=lambda kv: -kv[1])
    if held:
        raise ValidationError("restore.not_empty", field="database", database=database,
                              tables=", ".join(f"{t} {n}" for t, n in held[:5]))

