"""A realistic demo data set, built through the real append path with real signatures.

Fictional organisations: five ASMOs in Colombia and Peru (two Ecological, one suspended), a
First Authorized Buyer, a refiner, two jewellers and a certification body. Each season of
trade, four mines sell doré to the buyer, who pays the premiums, which the mines confirm; the
refiner turns the doré into bars and a jeweller cuts grain from one and alloys it into 18k
rings (7,500 parts per 10,000: 4.5 g fine gold in a 6 g band). One premium, Santa Rosa's of
the first season, is never paid: its lot stays blocked at the buyer and ARM sees it fall
overdue. In the first season a mine types a mass in grams and corrects its registration; in
the second the refiner weighs a lot heavy and the weighing dispute is reconciled with the
buyer's cosignature; in the third the buyer's settlement assays find one lot poorer (a premium
credit) and one richer (a premium top-up, paid before the lot moves on) than the mine stated;
in the fourth the refiner weighs a lot short. On the last day the other supply models follow
(``app.demo_supply``): a sale in COP, Fairmined Credits bought and retired by a jewellery brand,
the refiner's mass-balance account and a silver lot. Party keys are written to
``instance/demo-keys/`` so a newcomer can sign entries as any demo party.

The seasons follow one another over the past months, up to yesterday (a month each, six by
default from ``flask ledger demo``; more seasons share the same half year). The history is
appended in time order by an appender whose clock is the story's, so dates in reports, the
dashboard and provenance pages are spread as in real trade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from app import bootstrap, demo_supply
from app.appender import Appender
from app.db.store import SqlStore
from app.db.uow import reading
from ledger import terms
from ledger.checkpoint import parse_checkpoint
from ledger.client import Signer
from ledger.cosign import cosign
from ledger.keys import PrivateKey
from ledger.note import parse_note
from ledger.timefmt import format_instant
from ledger.types.witness_keys import active_witnesses

ECO = {"mercury": False, "cyanide": False, "gravimetric_only": True}
CONVENTIONAL = {"mercury": True, "cyanide": False, "gravimetric_only": False}
SEASONS = 6  # what ``flask ledger demo`` builds
VALID_FROM, VALID_TO = "2025-01-01", "2027-12-31"  # certificates and authorisations
SEASON = timedelta(days=30)
HALF_YEAR = timedelta(days=180)

PARTIES = [
    ("cert-andes", "Certificadora Andes Fairmined", "PE", ["certifier"], ["certification"]),
    ("asmo-el-tambo", "Cooperativa Minera El Tambo", "CO", ["asmo"], ["mining"]),
    ("asmo-la-palma", "Asociación de Mineros La Palma", "CO", ["asmo"], ["mining"]),
    ("asmo-santa-rosa", "Minera Artesanal Santa Rosa", "PE", ["asmo"], ["mining"]),
    ("asmo-qori-tika", "Cooperativa Aurífera Qori Tika", "PE", ["asmo"], ["mining"]),
    ("asmo-nazca-unidos", "Mineros Unidos de Nazca", "PE", ["asmo"], ["mining"]),
    ("fab-andina", "Comercializadora Andina de Oro", "CO", ["first_buyer"], ["trading"]),
    ("refiner-alpes", "Affinerie des Alpes SA", "CH", ["supplier"], ["refining"]),
    ("jeweller-oro-verde", "Oro Verde Jewellery Ltd", "GB", ["licensee"], ["manufacturing"]),
    ("jeweller-lumiere", "Atelier Lumière", "FR", ["licensee"], ["manufacturing", "retail"]),
]
# (asmo, site, ecological certificate?)
MINES = [
    ("asmo-el-tambo", "Vereda El Tambo, Iquira, Huila", True),
    ("asmo-la-palma", "La Palma, Nariño", False),
    ("asmo-santa-rosa", "Relave, Arequipa", False),
    ("asmo-qori-tika", "Ananea, Puno", True),
    ("asmo-nazca-unidos", "Saramarca, Nazca, Ica", False),
]


class Demo:
    """Signs and appends entries on the story's clock (from ``start``), or on the real one."""

    def __init__(self, engine: Engine, keys_dir: Path, start: datetime | None = None):
        self.engine, self.keys_dir, self.signers = engine, keys_dir, {}
        self.heads: dict[str, str] = {}
        self._story = start  # None: the real clock
        self.appender = Appender(engine, clock=lambda: self.now)

    @property
    def now(self) -> datetime:
        return self._story if self._story is not None else datetime.now(UTC)

    def at(self, moment: datetime) -> None:
        """Move the story's clock on to ``moment`` (never back)."""
        if self._story is not None:
            self._story = max(self._story, moment)

    @property
    def day(self) -> str:
        return self.now.date().isoformat()

    def key(self, party_id: str) -> PrivateKey:
        key = bootstrap.load_or_create_key(self.keys_dir / f"{party_id}.pem")
        self.signers[party_id] = Signer(party_id, key)
        return key

    def submit(self, submission: dict) -> dict:
        """Append a signed submission (a moment after the previous one, on the story's clock)."""
        self._tick()
        return self._append(submission)

    def state(self, party_id: str, type: str, body: dict, private: dict | None = None) -> dict:
        """Sign ``body`` as ``party_id`` now and append it."""
        self._tick()
        signed = self.signers[party_id].entry(
            type, body, private=private, created_at=format_instant(self.now)
        )
        record = self._append(signed)
        for lot_id in _lots_touched(body):
            self.heads[lot_id] = record["entry_hash"]
        return record

    def _append(self, submission: dict) -> dict:
        return self.appender.append(submission, skew=300, max_age=86400).record.to_json()

    def _tick(self) -> None:
        if self._story is not None:
            self._story += timedelta(seconds=1)

    def register(
        self, party_id: str, name: str, country: str, roles: list[str], activities: list[str]
    ) -> None:
        """ARM registers a party with a key from the keys folder (created if missing)."""
        key = self.key(party_id)
        body = {"party_id": party_id, "name": name, "country": country, "roles": roles}
        body.update(activities=activities, public_key=key.public.b64)
        self.state("arm", "party.registered", body)

    def certify(self, certifier: str, certificate_id: str, asmo: str, ecological: bool) -> None:
        """A certification body certifies an ASMO for gold (to the end of VALID_TO)."""
        body = {"certificate_id": certificate_id, "party_id": asmo, "metals": ["gold"]}
        body.update(ecological=ecological, valid_from=VALID_FROM, valid_to=VALID_TO)
        body.update(miners=400, capacity_fine_mg_per_year=200_000_000)
        self.state(certifier, "certificate.issued", body)

    def authorise(self, party_id: str, role: str) -> None:
        """ARM authorises a party in ``role`` (First Authorized Buyer, supplier, licensee)."""
        body = {"party_id": party_id, "role": role, "valid_from": VALID_FROM, "valid_to": VALID_TO}
        self.state("arm", "authorisation.granted", body)

    def lot_op(self, party_id: str, type: str, lot_id: str, private=None, **body) -> dict:
        body = {"lot_id": lot_id, "lot_head": self.heads[lot_id], **body}
        return self.state(party_id, type, body, private)


def _lots_touched(body: dict) -> list[str]:
    ids = [body["lot_id"]] if "lot_id" in body else []
    ids += [i["lot_id"] for i in body.get("inputs", [])]
    ids += [o["lot_id"] for o in body.get("outputs", [])]
    if "output" in body:
        ids.append(body["output"]["lot_id"])
    return ids


def build(
    engine: Engine,
    keys_dir: Path,
    operator: PrivateKey,
    origin: str,
    scale: int = 1,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Create the genesis and ``scale`` seasons of trade ending yesterday, make a bar public and
    have ARM's witness cosign the final checkpoint; returns the size.

    ``progress`` is called with 1 after each season."""
    end = datetime.now(UTC) - timedelta(hours=12)
    season = min(SEASON, HALF_YEAR / scale)
    start = end - season * scale - timedelta(days=5)
    demo = Demo(engine, keys_dir, start)
    arm = demo.key("arm")
    demo.submit(
        bootstrap.genesis_entry(
            operator, arm.public, origin=origin, created_at=format_instant(start)
        )
    )
    for party in PARTIES:
        demo.register(*party)
    for index, (asmo, _site, ecological) in enumerate(MINES, start=1):
        demo.certify("cert-andes", f"FM-{index:03d}", asmo, ecological)
    for party_id, role in (
        ("fab-andina", "first_buyer"),
        ("refiner-alpes", "supplier"),
        ("jeweller-oro-verde", "licensee"),
        ("jeweller-lumiere", "licensee"),
    ):
        demo.authorise(party_id, role)

    posted: set[str] = set()
    for number in range(scale):
        begin = start + timedelta(days=5) + season * number
        _season(demo, "2026-" if number == 0 else f"{number:04d}-", begin, season, posted)
        if progress is not None:
            progress(1)

    demo.at(end)
    demo_supply.build(demo, (end - timedelta(days=40)).date().isoformat(), VALID_FROM, VALID_TO)
    demo.state(
        "asmo-nazca-unidos",
        "lot.registered",
        {
            "lot_id": "DORE-005",
            "metal": "gold",
            "form": "dore",
            "gross_mg": 640_000,
            "fineness": 8400,
            "claim": "fairmined",
            "mine_site": MINES[4][1],
            "production_from": (end - timedelta(days=40)).date().isoformat(),
            "production_to": demo.day,
            "processing": CONVENTIONAL,
        },
    )
    demo.state(
        "cert-andes",
        "certificate.suspended",
        {"certificate_id": "FM-005", "reason": "mercury handling non-conformity at audit"},
    )
    demo.state(
        "jeweller-lumiere",
        "key.added",
        {"party_id": "jeweller-lumiere", "public_key": PrivateKey.generate().public.b64},
    )
    demo.state("jeweller-lumiere", "lot.published", {"lot_id": "BAR-2026-0002"})
    return witness_by_arm(engine, keys_dir, operator)


@dataclass
class _Dore:
    """A doré lot of one season, as the story follows it."""

    lot_id: str
    asmo: str
    gross_mg: int  # the mine's weighing
    fineness: int
    weighed_mg: int  # the latest receiver's weighing
    obligation: str = ""
    due: int = 0


def _due(engine: Engine, obligation_id: str) -> int:
    with reading(engine) as connection:
        return SqlStore(connection).get("obligation", obligation_id)["due"]


def _season(demo: Demo, tag: str, begin: datetime, length: timedelta, posted: set[str]) -> None:
    """One season: four mines sell doré, premiums are paid, bars reach the jewellers."""

    def step(share: float) -> None:
        demo.at(begin + length * share)

    step(0)
    if demo.day not in posted:
        posted.add(demo.day)
        demo.state(
            "arm",
            "reference_price.posted",
            {"metal": "gold", "day": demo.day, "currency": "USD", "price_per_troy_oz": 4_050_00},
        )
    dore = []
    for number, (asmo, site, ecological) in enumerate(MINES[:4], start=1):
        lot_id = f"DORE-{tag}{number:03d}"
        gross, fineness = 800_000 + number * 150_000, 8500 + number * 100
        typo = tag == "2026-" and number == 1  # grams typed where milligrams were meant
        registered = demo.state(
            asmo,
            "lot.registered",
            {
                "lot_id": lot_id,
                "metal": "gold",
                "form": "dore",
                "gross_mg": gross // 1000 if typo else gross,
                "fineness": fineness,
                "claim": "ecological" if ecological else "fairmined",
                "mine_site": site,
                "production_from": (begin - SEASON).date().isoformat(),
                "production_to": demo.day,
                "processing": ECO if ecological else CONVENTIONAL,
            },
        )
        if typo:  # the mine corrects its own registration before selling the lot
            demo.lot_op(
                asmo,
                "lot.corrected",
                lot_id,
                corrects_seq=registered["seq"],
                gross_mg=gross,
                reason="gross mass typed in grams instead of milligrams",
            )
        dore.append(_Dore(lot_id, asmo, gross, fineness, weighed_mg=gross - 300))
    step(0.03)
    for lot in dore:
        fine_g = lot.gross_mg * lot.fineness // 10_000 // 1000
        sealed, commitment = terms.seal(fine_g * 13_500, "USD")
        sale = demo.lot_op(
            lot.asmo,
            "lot.sold",
            lot.lot_id,
            sealed,
            buyer="fab-andina",
            terms_commitment=commitment,
        )
        lot.obligation = f"PRM-{sale['seq']}"
    step(0.07)
    for lot in dore:
        demo.lot_op(lot.asmo, "lot.shipped", lot.lot_id, to="fab-andina")
    step(0.13)
    for lot in dore:
        demo.lot_op("fab-andina", "lot.received", lot.lot_id, gross_mg=lot.weighed_mg)
    top_ups: dict[str, str] = {}
    if tag == "0002-":  # the buyer's settlement assays: one lot poorer, one richer than stated
        for lot, difference in ((dore[1], -12), (dore[2], +30)):
            lot.fineness += difference
            settled = demo.lot_op(
                "fab-andina",
                "lot.assayed",
                lot.lot_id,
                fineness=lot.fineness,
                kind="settlement",
                laboratory="Laboratorio Andino de Ensayos",
            )
            if difference > 0:  # more fine metal than the premium was based on: a top-up
                top_ups[lot.lot_id] = f"PRM-{settled['seq']}"

    unpaid = "asmo-santa-rosa" if tag == "2026-" else None  # blocked at the buyer for good
    paid = [lot for lot in dore if lot.asmo != unpaid]
    owed = [(lot, o) for lot in paid for o in (lot.obligation, top_ups.get(lot.lot_id)) if o]
    step(0.40)
    for _lot, obligation in owed:
        evidence, commitment = terms.seal_evidence(f"bank transfer {obligation}")
        demo.state(
            "fab-andina",
            "premium.paid",
            {
                "obligation_id": obligation,
                "amount": _due(demo.engine, obligation),
                "currency": "USD",
                "paid_on": demo.day,
                "evidence_commitment": commitment,
            },
            private=evidence,
        )
    step(0.50)
    for lot, obligation in owed:
        demo.state(
            lot.asmo,
            "premium.confirmed",
            {
                "obligation_id": obligation,
                "amount": _due(demo.engine, obligation),
                "currency": "USD",
                "received_on": demo.day,
            },
        )
    step(0.53)
    for lot in paid:
        demo.lot_op("fab-andina", "lot.shipped", lot.lot_id, to="refiner-alpes")
    step(0.63)
    for number, lot in enumerate(paid):
        if tag == "0003-" and number == 0:
            lot.weighed_mg -= 4_000  # 0.4% short: flagged
        heavy = tag == "0001-" and number == 1  # 0.2% heavy: held until both sides agree
        weighed = lot.weighed_mg + 2_000 if heavy else lot.weighed_mg
        demo.lot_op("refiner-alpes", "lot.received", lot.lot_id, gross_mg=weighed)
        if heavy:  # the refiner reconciles at the shipped mass, the buyer cosigning
            body = {"lot_id": lot.lot_id, "lot_head": demo.heads[lot.lot_id]}
            body["gross_mg"] = lot.weighed_mg
            reconciled = "lot.weight_reconciled"
            key = demo.signers["fab-andina"].key
            demo.state(
                "refiner-alpes",
                reconciled,
                cosign(key, "fab-andina", reconciled, "refiner-alpes", body),
            )

    step(0.80)
    fine_in = sum(lot.weighed_mg * lot.fineness // 10_000 for lot in paid)
    bar_mass = fine_in * 997 // 1000 * 10_000 // 9999 // 2
    demo.state(
        "refiner-alpes",
        "lot.refined",
        {
            "inputs": [{"lot_id": lot.lot_id, "lot_head": demo.heads[lot.lot_id]} for lot in paid],
            "outputs": [
                {
                    "lot_id": f"BAR-{tag}{n:04d}",
                    "form": "bar",
                    "gross_mg": bar_mass,
                    "fineness": 9999,
                    "serial": f"AA{tag}{n:04d}",
                    "year": begin.year,
                    "mark": "AFFINERIE DES ALPES 999.9",
                }
                for n in (1, 2)
            ],
        },
    )
    bars = ((f"BAR-{tag}0001", "jeweller-oro-verde"), (f"BAR-{tag}0002", "jeweller-lumiere"))
    step(0.83)
    for bar, jeweller in bars:
        demo.lot_op("refiner-alpes", "lot.shipped", bar, to=jeweller)
    step(0.90)
    for bar, jeweller in bars:
        demo.lot_op(jeweller, "lot.received", bar, gross_mg=bar_mass)
    step(0.93)
    demo.lot_op(
        "jeweller-oro-verde",
        "lot.split",
        f"BAR-{tag}0001",
        outputs=[  # 4,501 mg at 999.9 hold 4,500 mg fine gold
            {"lot_id": f"GRAIN-{tag}0001", "gross_mg": 4_501, "form": "grain"},
            {"lot_id": f"GRAIN-{tag}0002", "gross_mg": 4_501, "form": "grain"},
            {"lot_id": f"STOCK-{tag}0001", "gross_mg": bar_mass - 9_002},
        ],
    )
    step(0.95)
    for number in ("0001", "0002"):  # 18k: 4.5 g fine gold alloyed into a 6 g band
        demo.lot_op(
            "jeweller-oro-verde",
            "lot.alloyed",
            f"GRAIN-{tag}{number}",
            output={
                "lot_id": f"RING-{tag}{number}",
                "gross_mg": 6_000,
                "fineness": 7_500,
                "form": "jewellery",
            },
            alloy="18k yellow: silver and copper",
        )
    step(0.97)
    demo.lot_op(
        "jeweller-oro-verde",
        "lot.claimed",
        f"RING-{tag}0001",
        product="Fairmined gold wedding band, 18k",
    )
    demo.lot_op("jeweller-oro-verde", "lot.retired", f"RING-{tag}0001", reason="sold_to_consumer")


ARM_WITNESS = "witness.arm.example/gold-ledger"


def witness_by_arm(engine: Engine, keys_dir: Path, operator: PrivateKey) -> int:
    """ARM registers its witness (a key of its own, ``arm-witness.pem``) and cosigns the latest
    checkpoint as ``python -m ledger.witness run`` does, keeping its state beside its key;
    returns the size of the cosigned checkpoint."""
    from app import checkpoints
    from ledger.checkpoint import cosign, cosigner_key
    from ledger.witness import load_state, own_lines, save_state

    demo = Demo(engine, keys_dir)
    demo.key("arm")
    witness = bootstrap.load_or_create_key(keys_dir / "arm-witness.pem")
    with reading(engine) as connection:
        registered = [w["name"] for w in active_witnesses(SqlStore(connection))]
    if ARM_WITNESS not in registered:
        verifier_key = cosigner_key(ARM_WITNESS, witness.public.raw)
        demo.state("arm", "witness.registered", {"party_id": "arm", "verifier_key": verifier_key})
    stored = checkpoints.publish(engine, operator)
    state = keys_dir / "arm-witness.state.json"
    with reading(engine) as connection:
        operator_verifier = checkpoints.operator_verifier(connection)
        previous = load_state(state)
        proof = (
            checkpoints.consistency(connection, previous.size, stored.size)
            if previous is not None and 0 < previous.size < stored.size
            else []
        )
    note = cosign(stored.note, previous, proof, ARM_WITNESS, witness, operator_verifier)
    save_state(state, parse_checkpoint(parse_note(stored.note)[0]))
    checkpoints.add_cosignature(engine, stored.size, own_lines(note, ARM_WITNESS))
    return stored.size
