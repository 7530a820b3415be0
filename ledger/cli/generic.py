"""``gold-ledger entry <type>``: one subcommand for every registered entry type, built from its
body schema, so entry types added to ``ledger.admission.REGISTRY`` are usable without new code.

Each body member becomes an option (``lot_id`` -> ``--lot-id``): strings, dates and integers
as values (choices offered as such), booleans as ``--x/--no-x``, lists of plain values as a
repeated option, objects and lists of objects as JSON (a list also as repeated JSON objects).
``--body`` gives the whole body as JSON (options override its members). A missing
``lot_head`` next to a ``lot_id`` is fetched from the service. Types with private data (a
sale's terms, a payment's evidence) take ``--private`` as JSON; a missing salt is drawn here,
and a missing ``terms_commitment`` or ``evidence_commitment`` is computed from it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import click

from ledger import terms
from ledger.admission import REGISTRY, EntryType
from ledger.cli.caller import Caller, pass_caller
from ledger.fields import Bool, Field, Int, List, Obj, Str


def _option_name(member: str) -> str:
    return "--" + member.replace("_", "-")


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"{what} is not valid JSON: {exc}") from exc


def _option(member: str, spec: Field) -> click.Option:
    name, help_text = _option_name(member), spec.description or member.replace("_", " ")
    if isinstance(spec, Bool):
        flag = member.replace("_", "-")
        return click.Option([f"--{flag}/--no-{flag}", member], default=None, help=help_text)
    if isinstance(spec, Int):
        return click.Option([name, member], type=int, help=help_text)
    if isinstance(spec, Str) and spec.choices:
        return click.Option([name, member], type=click.Choice(spec.choices), help=help_text)
    if isinstance(spec, List) and not isinstance(spec.item, Obj | List):
        kind: type[int] | type[str] | click.Choice[str] = int if isinstance(spec.item, Int) else str
        if isinstance(spec.item, Str) and spec.item.choices:
            kind = click.Choice(spec.item.choices)
        return click.Option(
            [name, member], type=kind, multiple=True, help=f"{help_text} (repeatable)"
        )
    if isinstance(spec, List):
        return click.Option(
            [name, member],
            multiple=True,
            metavar="JSON",
            help=f"{help_text}: a JSON array, or one JSON object per use",
        )
    if isinstance(spec, Obj):
        return click.Option([name, member], metavar="JSON", help=f"{help_text} (JSON object)")
    return click.Option([name, member], help=help_text)


def _value(member: str, spec: Field, raw: Any) -> Any:
    """The option's value as the body member, or ``None`` when not given."""
    if raw is None or raw == ():
        return None
    if isinstance(spec, List) and isinstance(spec.item, Obj | List):
        items = []
        for text in raw:
            parsed = _json(text, _option_name(member))
            items.extend(parsed if isinstance(parsed, list) else [parsed])
        return items
    if isinstance(spec, List):
        return list(raw)
    if isinstance(spec, Obj):
        return _json(raw, _option_name(member))
    return raw


def fill_heads(caller: Caller, spec: Field, value: Any) -> Any:
    """Fill every missing ``lot_head`` beside a ``lot_id`` with the lot's current head."""
    if isinstance(spec, Obj) and isinstance(value, dict):
        for name, member in spec.members.items():
            if name in value:
                value[name] = fill_heads(caller, member, value[name])
        if "lot_head" in spec.members and "lot_head" not in value and "lot_id" in value:
            value["lot_head"] = caller.head_of(value["lot_id"])
    elif isinstance(spec, List) and isinstance(value, list):
        return [fill_heads(caller, spec.item, item) for item in value]
    return value


def entry_command(etype: EntryType) -> click.Command:
    """The subcommand stating entries of ``etype``."""
    members = etype.body.members

    @pass_caller
    def run(caller: Caller, /, body: str | None, private: str | None, **options: Any) -> None:
        document = _json(body, "--body") if body else {}
        if not isinstance(document, dict):
            raise click.BadParameter("--body must be a JSON object")
        for member, spec in members.items():
            value = _value(member, spec, options.get(member))
            if value is not None:
                document[member] = value
        sealed = _json(private, "--private") if private else None
        if (
            isinstance(sealed, dict)
            and etype.private is not None  # else no --private
            and "salt" in etype.private.members
        ):
            sealed.setdefault("salt", secrets.token_urlsafe(24))
        if isinstance(sealed, dict) and "terms_commitment" in members:
            document.setdefault("terms_commitment", terms.commitment(sealed))
        if isinstance(sealed, dict) and "evidence_commitment" in members:
            document.setdefault("evidence_commitment", terms.evidence_commitment(sealed))
        caller.state(etype.name, fill_heads(caller, etype.body, document), sealed)

    params: list[click.Parameter] = [_option(member, spec) for member, spec in members.items()]
    params.append(click.Option(["--body"], metavar="JSON", help="the whole body as JSON"))
    if etype.private is not None:
        params.append(
            click.Option(["--private"], metavar="JSON", help="unsigned private data, as JSON")
        )
    else:
        run = _without_private(run)
    roles = ", ".join(sorted(etype.roles))
    return click.Command(
        etype.name,
        callback=run,
        params=params,
        help=f"{etype.summary}\n\nStated by: {roles}.",
        short_help=etype.summary.split(". ")[0],
    )


def _without_private(run: Callable[..., None]) -> Callable[..., None]:
    def call(body: str | None = None, **options: Any) -> None:
        return run(body=body, private=None, **options)

    return call


class EntryGroup(click.Group):
    """Subcommands made on demand from the registry, so every entry type has one."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(REGISTRY)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        etype = REGISTRY.get(name)
        return entry_command(etype) if etype is not None else None


@click.group("entry", cls=EntryGroup)
def entry_group() -> None:
    """State any entry type, member by member (``gold-ledger entry TYPE --help``)."""
