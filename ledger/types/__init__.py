"""Entry types. Importing this package registers every type with ``ledger.machine``."""

from ledger.types import (  # noqa: F401
    access,
    certification,
    identity,
    lots,
    market,
    publication,
    sales,
    transforms,
    witness,
)
