"""The main projections, typed: lots, premium obligations, parties, keys and certificates.

The rules project the log into JSON objects (``ledger.state``), stored as text; these
``TypedDict``\\s state their members for the type checker and change nothing at run time: a
projection is still a plain ``dict``. Members a projection carries only once some entry has set
them are ``NotRequired``; a member that is present but empty is ``None``. Projections of other
kinds (rates, sales, findings, credit batches, ...) are ``JSONObject``.

Units as in ``ledger.fairmined``: masses in milligrams, fineness in parts per 10,000, money in
minor units of ``currency``. Days are ``YYYY-MM-DD``, instants RFC 3339 UTC, ``*_seq`` the
``seq`` of the entry that did it.
"""

# No ``from __future__ import annotations``: the members' types are evaluated at import, so
# that ``__required_keys__`` and ``__optional_keys__`` are right at run time too.
from typing import Any, Literal, NotRequired, TypedDict

JSONObject = dict[str, Any]
"""A JSON object as the rules and the stores exchange it (a projection of any kind)."""

LotStatus = Literal["held", "in_transit", "consumed", "retired"]
FirstSale = Literal["pending", "agreed"]
"""A labelled lot awaiting its mine's first sale (``pending``), or sold, not yet delivered."""
ObligationKind = Literal["sale", "top-up", "credit"]


# --- lots ------------------------------------------------------------------------------------

Period = TypedDict("Period", {"from": str, "to": str})
"""A production period, both days included."""


class Processing(TypedDict):
    mercury: bool
    cyanide: bool
    gravimetric_only: bool


class Weighing(TypedDict):
    """The lot's current mass statement: what a correction may supersede."""

    seq: int
    by: str
    type: str
    gross_mg: int
    corrects_seq: NotRequired[int]


class Assay(TypedDict):
    seq: int
    fineness: int
    kind: str
    laboratory: str
    by: str


class Dispute(TypedDict):
    """A receipt weighed heavier than shipped: the lot is held until both sides agree."""

    seq: int
    shipped_mg: int
    received_mg: int
    sender: str
    receiver: str


class Figures(TypedDict):
    gross_mg: int
    fineness: int
    fine_mg: int


class Correction(TypedDict):
    seq: int
    corrects_seq: int
    by: str
    reason: str
    before: Figures
    after: Figures


class Reconciliation(TypedDict):
    seq: int
    by: str
    gross_mg: int
    dispute_seq: int


Release = TypedDict("Release", {"seq": int, "from": str, "to": str, "reason": str})


class MassBalanceDraw(TypedDict):
    account: str
    seq: int
    fine_mg: int
    origin_fine: dict[str, int]


class LotOptional(TypedDict, total=False):
    """The members a lot carries only once an entry set them (given to ``new_lot`` as extras)."""

    # Registration by a mine
    producer: str
    mine_site: str
    production: Period
    processing: Processing
    weighing: Weighing
    # Refining and alloying
    refiner: str
    serial: str | None
    year: int | None
    mark: str | None
    alloy: str | None
    # Custody and sale
    first_buyer: str | None
    sold_to: str | None
    shipped_gross_mg: int
    product: str
    retired_reason: str
    published_by: str
    published_seq: int
    # Label consumed by credits or a mass-balance deposit, or backing the lot
    credited_as: str
    deposited_to: str
    credit_retirements: list[str]
    mass_balance_draws: list[MassBalanceDraw]
    # Findings kept on the lot
    corrections: list[Correction]
    reconciliations: list[Reconciliation]
    releases: list[Release]


class Lot(LotOptional):
    """A lot: an amount of metal in one form, its custody, label and ancestry."""

    id: str
    metal: str
    form: str
    gross_mg: int
    fineness: int
    fine_mg: int
    claim: str
    holder: str
    status: LotStatus
    incoming_to: str | None
    created_seq: int
    head: str | None
    history: list[int]
    parents: list[str]
    children: list[str]
    origin_asmos: list[str]
    custodians: list[str]
    origin_sites: list[str]
    obligations: list[str]
    assays: list[Assay]
    claimed_by: str | None
    origin_fine: dict[str, int]  # labelled fine metal per origin mine (``ledger.origins``)
    first_sale: FirstSale | None
    dispute: Dispute | None


# --- premium obligations ---------------------------------------------------------------------


class Payment(TypedDict):
    seq: int
    amount: int
    paid_on: str
    evidence_commitment: str


class Confirmation(TypedDict):
    seq: int
    amount: int
    received_on: str


class ObligationOptional(TypedDict, total=False):
    batch: str  # the credit batch a ``credit`` obligation was created with
    top_up_of: str  # the ``sale`` obligation a ``top-up`` raises


class Obligation(ObligationOptional):
    """A premium a payer owes a mine for ``fine_mg`` of labelled metal it sold."""

    id: str
    lot: str
    asmo: str
    payer: str
    payer_role: str
    metal: str
    certification: str
    kind: ObligationKind
    fine_mg: int
    rate_id: str
    rate_per_kg: int
    currency: str
    due: int
    paid: int
    confirmed: int
    sold_on: str
    due_by: str
    sale_seq: int
    payments: list[Payment]
    confirmations: list[Confirmation]
    settled_fine_mg: int | None
    settled_seq: int | None
    credit: int
    credit_fine_mg: int
    top_ups: list[str]


# --- parties, keys, certificates -------------------------------------------------------------


class Actor(TypedDict):
    """Who states an entry, as a rule sees it: a party (or, at genesis, the operator)."""

    id: str
    roles: list[str]
    activities: NotRequired[list[str]]


class PartyOptional(TypedDict, total=False):
    activities: list[str]
    location: str | None


class Party(PartyOptional):
    id: str
    name: str
    country: str
    roles: list[str]
    registered_seq: int


class Key(TypedDict):
    """A party's entry-signing key (Ed25519), valid from its ``valid_from`` instant."""

    id: str
    party: str
    public_key: str
    valid_from: str
    added_seq: int
    revoked_at: str | None
    revoked_seq: int | None


class CertificateChange(TypedDict):
    seq: int
    status: str
    reason: str | None


class Certificate(TypedDict):
    """An ASMO's Fairmined certificate, stated by its certification body."""

    id: str
    party: str
    certifier: str
    metals: list[str]
    ecological: bool
    valid_from: str
    valid_to: str
    status: str
    miners: int
    capacity_fine_mg_per_year: int
    capacity_used: dict[str, int]  # fine metal registered per certificate year (its 1st day)
    issued_seq: int
    history: list[CertificateChange]
