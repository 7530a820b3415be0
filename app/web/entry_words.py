"""What people call entry types, body members and choices, in the page's language.

Forms are built from the registry's JSON Schemas; these words only name what the schemas
define. A type or member without words here still gets a form, labelled from its name and
described by the registry's summary.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ledger.admission import REGISTRY

ACTIONS = {
    "lot.registered": _l("Register a lot"),
    "lot.received": _l("Receive a lot (with your weighing)"),
    "lot.assayed": _l("Record an assay"),
    "lot.shipped": _l("Ship a lot"),
    "lot.sold": _l("Sell a lot (private terms)"),
    "lot.split": _l("Split a lot"),
    "lot.merged": _l("Merge lots"),
    "lot.refined": _l("Refine lots"),
    "lot.claimed": _l("Apply the Fairmined label (claim)"),
    "lot.retired": _l("Retire a lot"),
    "premium.paid": _l("Pay a premium"),
    "premium.confirmed": _l("Confirm a premium received"),
    "party.registered": _l("Register a party"),
    "authorisation.granted": _l("Grant an authorisation"),
    "authorisation.revoked": _l("Revoke an authorisation"),
    "premium_rate.set": _l("Set a premium rate"),
    "reference_price.posted": _l("Post a reference price"),
    "certificate.issued": _l("Issue a certificate"),
    "certificate.suspended": _l("Suspend a certificate"),
    "certificate.reinstated": _l("Reinstate a certificate"),
    "certificate.withdrawn": _l("Withdraw a certificate"),
    "key.added": _l("Add a signing key"),
    "key.revoked": _l("Revoke a signing key"),
    "token.issued": _l("Issue an API token"),
    "token.revoked": _l("Revoke an API token"),
}
# Types a person states through other tools (the operator's genesis).
NOT_IN_WORKSPACE = frozenset({"ledger.genesis"})

FIELDS = {
    "lot_id": _l("Lot"),
    "to": _l("Recipient"),
    "buyer": _l("Buyer"),
    "gross_mg": _l("Gross mass"),
    "fineness": _l("Fineness"),
    "kind": _l("Kind of assay"),
    "laboratory": _l("Laboratory"),
    "metal": _l("Metal"),
    "form": _l("Form"),
    "claim": _l("Claim"),
    "mine_site": _l("Mine site"),
    "production_from": _l("Produced from"),
    "production_to": _l("Produced until"),
    "processing": _l("Processing"),
    "mercury": _l("Mercury used"),
    "cyanide": _l("Cyanide used"),
    "gravimetric_only": _l("Gravimetric concentration only"),
    "outputs": _l("Output"),
    "output": _l("Output"),
    "inputs": _l("Input lot"),
    "serial": _l("Serial number"),
    "year": _l("Year"),
    "mark": _l("Mark"),
    "product": _l("Product"),
    "reason": _l("Reason"),
    "obligation_id": _l("Premium obligation"),
    "amount": _l("Amount"),
    "currency": _l("Currency"),
    "paid_on": _l("Paid on"),
    "received_on": _l("Received on"),
    "evidence": _l("Evidence (e.g. bank reference)"),
    "party_id": _l("Party"),
    "role": _l("Role"),
    "valid_from": _l("Valid from"),
    "valid_to": _l("Valid until"),
    "name": _l("Name"),
    "country": _l("Country (ISO code)"),
    "roles": _l("Roles"),
    "activities": _l("Activities"),
    "location": _l("Location"),
    "public_key": _l("Public key (base64)"),
    "certificate_id": _l("Certificate number"),
    "metals": _l("Metals"),
    "ecological": _l("Covers Fairmined Ecological"),
    "rate_id": _l("Rate id"),
    "certification": _l("Certification"),
    "amount_per_kg": _l("Premium per kg of fine metal"),
    "effective_from": _l("Effective from"),
    "effective_to": _l("Effective until"),
    "day": _l("Day"),
    "price_per_troy_oz": _l("Price per troy ounce"),
    "price": _l("Price"),
    "key_id": _l("Key id"),
}
HINTS = {
    "gross_mg": _l("Type the mass in g, kg or mg; it is signed as exact milligrams."),
    "fineness": _l("Per mille, e.g. 999.9; signed as parts per 10,000."),
    "lot_id": _l("The lot's head is fetched from the ledger when you review."),
}
CHOICES = {
    "gold": _l("Gold"),
    "silver": _l("Silver"),
    "platinum": _l("Platinum"),
    "dore": _l("Doré"),
    "ore_concentrate": _l("Ore concentrate"),
    "grain": _l("Grain"),
    "bar": _l("Bar"),
    "coin": _l("Coin"),
    "semi_finished": _l("Semi-finished"),
    "jewellery": _l("Jewellery"),
    "scrap": _l("Scrap"),
    "ecological": _l("Fairmined Ecological"),
    "fairmined": _l("Fairmined"),
    "none": _l("No label"),
    "provisional": _l("Provisional"),
    "final": _l("Final"),
    "sold_to_consumer": _l("Sold to a consumer"),
    "lost": _l("Lost"),
    "recycled": _l("Recycled"),
    "other": _l("Other"),
    "first_buyer": _l("First Authorized Buyer"),
    "supplier": _l("Authorized Supplier"),
    "licensee": _l("Fairmined Licensee"),
    "asmo": _l("Mining organisation (ASMO)"),
    "certifier": _l("Certification body"),
}


def choice(code: str) -> str:
    """The words for a schema choice (a form, claim, role, ...), or the code itself."""
    return str(CHOICES[code]) if code in CHOICES else code


def action(type_name: str) -> str:
    """The words for stating ``type_name``; the registry's summary if none are written."""
    if type_name in ACTIONS:
        return str(ACTIONS[type_name])
    return REGISTRY[type_name].summary


def actions_for(roles: list[str]) -> list[dict]:
    """Entry types the roles may state, with their words, in registry order by name."""
    return [
        {"type": name, "title": action(name), "summary": t.summary}
        for name, t in sorted(REGISTRY.items())
        if name not in NOT_IN_WORKSPACE and t.roles & set(roles)
    ]


def messages() -> dict:
    """Words the browser shows (validation, review, results); ``{name}`` is filled in."""
    return {
        "optional": _("optional"),
        "required": _("Required."),
        "too-short": _("At least {n} characters."),
        "too-long": _("At most {n} characters."),
        "pattern": _("Not in the expected form."),
        "whole-number": _("A whole number, please."),
        "too-large": _("The number is too large."),
        "minimum": _("At least {n}."),
        "maximum": _("At most {n}."),
        "unit": _("Unit"),
        "mass-format": _("A number like 1099.736, with at most {places} decimals in this unit."),
        "fineness-format": _("Per mille with at most one decimal, e.g. 999.9."),
        "money-format": _("An amount with at most {places} decimals."),
        "currency-first": _("Enter the currency (ISO code) first."),
        "private-terms": _("Price (private)"),
        "private-terms-hint": _(
            "Only a salted commitment to the price is signed and published; the price goes to "
            "the service beside the entry and is kept private."
        ),
        "private-evidence": _("Payment reference (private)"),
        "private-evidence-hint": _(
            "Only a salted commitment to the reference is signed and published; the reference "
            "goes to the service beside the entry and is kept private."
        ),
        "kept-private": _("kept private"),
        "lot-head": _("Lot head (from the ledger)"),
        "lot-unreadable": _("the lot cannot be read"),
        "add-row": _("Add {what}"),
        "remove-row": _("Remove"),
        "choose-one": _("Choose at least one."),
        "fix-fields": _("Some fields need attention."),
        "yes": _("yes"),
        "no": _("no"),
        "key-ready": _("Signing key {id} is loaded in this browser."),
        "key-missing": _("No signing key loaded: choose your party's key file (PEM)."),
        "key-not-party": _("Key {id} is not an active key of {party}."),
        "key-unreadable": _("This file is not an Ed25519 private key in PKCS#8 PEM form."),
        "review-sentence": _("{party} states “{what}”, signed in this browser with key {key}:"),
        "appended": _("Appended to the ledger as entry {seq} (hash {hash})."),
        "flagged": _("Flagged for review: {flags}."),
    }


def page_text() -> dict:
    """Everything the form script needs to speak the page's language."""
    return {
        "fields": {k: str(v) for k, v in FIELDS.items()},
        "hints": {k: str(v) for k, v in HINTS.items()},
        "choices": {k: str(v) for k, v in CHOICES.items()},
        "messages": messages(),
    }
