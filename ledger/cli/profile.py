"""A party's profile: the service URL, its party id and its key file, so commands stay short.

Read from, in order of precedence: command-line options, the environment
(``GOLD_LEDGER_URL``, ``GOLD_LEDGER_PARTY``, ``GOLD_LEDGER_KEY``, ``GOLD_LEDGER_TOKEN``), then
the chosen profile (``--profile`` or ``GOLD_LEDGER_PROFILE``, else the file's ``default``) in
the config file (``--config``, ``GOLD_LEDGER_CONFIG``, else
``$XDG_CONFIG_HOME/gold-ledger/config.toml``, i.e. ``~/.config/gold-ledger/config.toml``)::

    default = "refiner"

    [profiles.refiner]
    url = "https://ledger.example.org"
    party = "refiner-alpes"
    key = "~/.config/gold-ledger/refiner-alpes.pem"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MEMBERS = ("url", "party", "key", "token")


class ProfileError(ValueError):
    """The configuration cannot be read or lacks something a command needs."""


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "gold-ledger"


def state_home() -> Path:
    """Where the CLI keeps the API tokens it issued itself (one file per party and service)."""
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local/state") / "gold-ledger"


@dataclass(frozen=True)
class Profile:
    name: str | None
    url: str | None
    party: str | None
    key: Path | None
    token: str | None

    def need(self, member: str) -> str:
        value = getattr(self, member)
        if not value:
            env = f"GOLD_LEDGER_{member.upper()}"
            raise ProfileError(
                f"no {member}: pass --{member}, set {env}, or add it to a profile in "
                f"{config_home() / 'config.toml'}"
            )
        return str(value)


def _read(path: Path, explicit: bool) -> dict[str, Any]:
    if not path.exists():
        if explicit:
            raise ProfileError(f"no config file {path}")
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read {path}: {exc}") from exc


def load(options: dict[str, str | None], *, profile: str | None, config: str | None) -> Profile:
    """The effective profile: ``options`` over the environment over the config file."""
    config = config or os.environ.get("GOLD_LEDGER_CONFIG")
    path = Path(config).expanduser() if config else config_home() / "config.toml"
    document = _read(path, explicit=config is not None)
    profiles = document.get("profiles", {})
    name = profile or os.environ.get("GOLD_LEDGER_PROFILE") or document.get("default")
    if name is not None and name not in profiles:
        raise ProfileError(f"no profile {name!r} in {path}")
    stored = profiles.get(name, {}) if name else {}
    unknown = sorted(set(stored) - set(MEMBERS))
    if unknown:
        raise ProfileError(f"profile {name!r}: unknown setting {unknown[0]!r}")
    values = {
        member: options.get(member)
        or os.environ.get(f"GOLD_LEDGER_{member.upper()}")
        or stored.get(member)
        for member in MEMBERS
    }
    key = values["key"]
    return Profile(
        name=name,
        url=values["url"],
        party=values["party"],
        key=Path(key).expanduser() if key else None,
        token=values["token"],
    )
