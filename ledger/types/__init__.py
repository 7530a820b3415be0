"""Entry types. Importing this package registers every type with ``ledger.machine``."""

from ledger.types import identity  # noqa: F401
