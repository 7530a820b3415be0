"""A realistic demo data set, built through the real append path with real signatures.

Fictional organisations: five ASMOs in Colombia and Peru (two Ecological, one suspended), a
First Authorized Buyer, a refiner, two jewellers and a certification body. Premiums are paid and
confirmed except one, doré is refined into bars and a bar is split for jewellery. Party keys are
written to ``instance/demo-keys/`` so a newcomer can sign entries as any demo party.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from app import bootstrap
from app.appender import append
from ledger import terms
from ledger.client import Signer
from ledger.keys import PrivateKey
from ledger.timefmt import now

ECO = {"mercury": False, "cyanide": False, "gravimetric_only": True}
CONVENTIONAL = {"mercury": True, "cyanide": False, "gravimetric_only": False}

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
    """Signs and appends the demo's entries."""

    def __init__(self, engine: Engine, keys_dir: Path):
        self.engine, self.keys_dir, self.signers = engine, keys_dir, {}
        self.heads: dict[str, str] = {}

    def key(self, party_id: str) -> PrivateKey:
        key = bootstrap.load_or_create_key(self.keys_dir / f"{party_id}.pem")
        self.signers[party_id] = Signer(party_id, key)
        return key

    def state(self, party_id: str, type: str, body: dict, private: dict | None = None) -> dict:
        submission = self.signers[party_id].entry(type, body, private=private)
        record = append(self.engine, submission).record
        for lot_id in _lots_touched(body):
            self.heads[lot_id] = record.entry_hash
        return record.to_json()

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


def build(engine: Engine, keys_dir: Path, operator: PrivateKey, origin: str, scale: int = 1) -> int:
    """Create the genesis and the demo history (``scale`` seasons); returns the record count."""
    demo = Demo(engine, keys_dir)
    arm = demo.key("arm")
    bootstrap.genesis(engine, operator, arm.public, origin=origin)
    today = now()[:10]
    for party_id, name, country, roles, activities in PARTIES:
        key = demo.key(party_id)
        demo.state(
            "arm",
            "party.registered",
            {
                "party_id": party_id,
                "name": name,
                "country": country,
                "roles": roles,
                "activities": activities,
                "public_key": key.public.b64,
            },
        )
    for index, (asmo, _site, ecological) in enumerate(MINES, start=1):
        demo.state(
            "cert-andes",
            "certificate.issued",
            {
                "certificate_id": f"FM-{index:03d}",
                "party_id": asmo,
                "metals": ["gold"],
                "ecological": ecological,
                "valid_from": "2025-01-01",
                "valid_to": "2027-12-31",
            },
        )
    for party_id, role in (
        ("fab-andina", "first_buyer"),
        ("refiner-alpes", "supplier"),
        ("jeweller-oro-verde", "licensee"),
        ("jeweller-lumiere", "licensee"),
    ):
        demo.state(
            "arm",
            "authorisation.granted",
            {
                "party_id": party_id,
                "role": role,
                "valid_from": "2025-01-01",
                "valid_to": "2027-12-31",
            },
        )
    demo.state(
        "arm",
        "reference_price.posted",
        {"metal": "gold", "day": today, "currency": "USD", "price_per_troy_oz": 4_050_00},
    )

    for number in range(scale):
        _round(demo, engine, "2026-" if number == 0 else f"{number:04d}-", today)

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
            "production_from": "2026-10-01",
            "production_to": today,
            "processing": CONVENTIONAL,
        },
    )
    demo.state(
        "cert-andes",
        "certificate.suspended",
        {"certificate_id": "FM-005", "reason": "mercury handling non-conformity at audit"},
    )
    return int(
        demo.state(
            "jeweller-lumiere",
            "key.added",
            {"party_id": "jeweller-lumiere", "public_key": PrivateKey.generate().public.b64},
        )["seq"]
    )


def _due(engine: Engine, obligation_id: str) -> int:
    from app.db.store import SqlStore
    from app.db.uow import reading

    with reading(engine) as connection:
        return SqlStore(connection).get("obligation", obligation_id)["due"]


def _round(demo: Demo, engine: Engine, tag: str, today: str) -> None:
    """One season: four mines sell doré, three premiums are paid, bars reach the jewellers."""
    dore = []
    for number, (asmo, site, ecological) in enumerate(MINES[:4], start=1):
        lot_id = f"DORE-{tag}{number:03d}"
        gross, fineness = 800_000 + number * 150_000, 8500 + number * 100
        demo.state(
            asmo,
            "lot.registered",
            {
                "lot_id": lot_id,
                "metal": "gold",
                "form": "dore",
                "gross_mg": gross,
                "fineness": fineness,
                "claim": "ecological" if ecological else "fairmined",
                "mine_site": site,
                "production_from": "2026-09-01",
                "production_to": today,
                "processing": ECO if ecological else CONVENTIONAL,
            },
        )
        fine_g = gross * fineness // 10_000 // 1000
        sealed, commitment = terms.seal(fine_g * 13_500, "USD")
        sale = demo.lot_op(
            asmo, "lot.sold", lot_id, sealed, buyer="fab-andina", terms_commitment=commitment
        )
        demo.lot_op(asmo, "lot.shipped", lot_id, to="fab-andina")
        demo.lot_op("fab-andina", "lot.received", lot_id, gross_mg=gross - 300)
        dore.append((lot_id, asmo, f"PRM-{sale['seq']}", gross - 300, fineness))

    for lot_id, asmo, obligation, _gross, _fineness in dore:
        if asmo == "asmo-santa-rosa":
            continue  # this premium stays unpaid: the lot is blocked at the buyer
        due = _due(engine, obligation)
        demo.state(
            "fab-andina",
            "premium.paid",
            {
                "obligation_id": obligation,
                "amount": due,
                "currency": "USD",
                "paid_on": today,
                "evidence": f"bank transfer {obligation}",
            },
        )
        demo.state(
            asmo,
            "premium.confirmed",
            {"obligation_id": obligation, "amount": due, "currency": "USD", "received_on": today},
        )
        demo.lot_op("fab-andina", "lot.shipped", lot_id, to="refiner-alpes")
        demo.lot_op("refiner-alpes", "lot.received", lot_id, gross_mg=_gross)

    refined = [d for d in dore if d[1] != "asmo-santa-rosa"]
    fine_in = sum(g * f // 10_000 for _, _, _, g, f in refined)
    bar_mass = fine_in * 997 // 1000 * 10_000 // 9999 // 2
    demo.state(
        "refiner-alpes",
        "lot.refined",
        {
            "inputs": [{"lot_id": d[0], "lot_head": demo.heads[d[0]]} for d in refined],
            "outputs": [
                {
                    "lot_id": f"BAR-{tag}{n:04d}",
                    "form": "bar",
                    "gross_mg": bar_mass,
                    "fineness": 9999,
                    "serial": f"AA{tag}{n:04d}",
                    "year": 2026,
                    "mark": "AFFINERIE DES ALPES 999.9",
                }
                for n in (1, 2)
            ],
        },
    )
    for bar, jeweller in (
        (f"BAR-{tag}0001", "jeweller-oro-verde"),
        (f"BAR-{tag}0002", "jeweller-lumiere"),
    ):
        demo.lot_op("refiner-alpes", "lot.shipped", bar, to=jeweller)
        demo.lot_op(jeweller, "lot.received", bar, gross_mg=bar_mass)
    demo.lot_op(
        "jeweller-oro-verde",
        "lot.split",
        f"BAR-{tag}0001",
        outputs=[
            {"lot_id": f"RING-{tag}0001", "gross_mg": 6_000, "form": "jewellery"},
            {"lot_id": f"RING-{tag}0002", "gross_mg": 6_000, "form": "jewellery"},
            {"lot_id": f"STOCK-{tag}0001", "gross_mg": bar_mass - 12_000},
        ],
    )
    demo.lot_op(
        "jeweller-oro-verde",
        "lot.claimed",
        f"RING-{tag}0001",
        product="Fairmined gold wedding band, 18k",
    )
    demo.lot_op("jeweller-oro-verde", "lot.retired", f"RING-{tag}0001", reason="sold_to_consumer")
