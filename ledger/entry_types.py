"""Entry types: the registry of what parties may state, and what a rule sees.

Each module of ``ledger.types`` registers its types with ``entry_type``; ``ledger.admission``
admits entries through the registry. Rules and their shared checks import this module, never
``ledger.admission``, so the import graph has no cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime

from ledger.fields import Obj
from ledger.projections import Actor, JSONObject
from ledger.record import Record
from ledger.state import Store
from ledger.timefmt import parse_instant

GENESIS = "ledger.genesis"


@dataclass
class Context:
    """What a rule sees while it applies one entry."""

    store: Store
    entry: JSONObject
    body: JSONObject
    actor: Actor
    record: Record
    private: JSONObject | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def seq(self) -> int:
        return self.record.seq

    @property
    def entry_hash(self) -> str:
        return self.record.entry_hash

    @property
    def created_at(self) -> datetime:
        return parse_instant(self.entry["created_at"])

    @property
    def day(self) -> date:
        """The calendar day (UTC) the actor stated the entry on."""
        return self.created_at.date()

    def flag(self, code: str) -> None:
        """Record a non-blocking finding (e.g. a weighing difference beyond tolerance)."""
        self.flags.append(code)


Rule = Callable[[Context], None]


@dataclass(frozen=True)
class EntryType:
    """One kind of statement: who may make it, its body, and its rules."""

    name: str
    body: Obj
    roles: frozenset[str]
    rule: Rule
    summary: str
    private: Obj | None = None


REGISTRY: dict[str, EntryType] = {}


def entry_type(
    name: str, body: Obj, roles: AbstractSet[str], summary: str, private: Obj | None = None
) -> Callable[[Rule], Rule]:
    """Register the decorated function as the rule of entry type ``name``.

    ``private`` is the schema of unsigned data submitted beside the entry (see ``ledger.terms``).
    """

    def register(rule: Rule) -> Rule:
        if name in REGISTRY:
            raise RuntimeError(f"entry type {name} registered twice")
        REGISTRY[name] = EntryType(name, body, frozenset(roles), rule, summary, private)
        return rule

    return register
