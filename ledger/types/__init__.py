"""Entry types. Importing this package registers every type with ``ledger.machine``."""

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
