"""Entry types. Importing this package registers every type in ``ledger.entry_types``."""

from ledger.types import (  # noqa: F401
    access,
    alloying,
    certification,
    corrections,
    credits,
    disputes,
    fx,
    identity,
    lots,
    market,
    massbalance,
    publication,
    release,
    sales,
    transforms,
    witness,
)
