"""The wheel installs into a clean virtualenv; its console scripts work there, the offline
verifier without Flask or SQLAlchemy, and a refiner's day and ARM's onboarding are done
through the installed ``gold-ledger`` alone, against a real server."""

from __future__ import annotations

import json
import subprocess
import urllib.request
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support import assert_verified

from tests.install.conftest import ROOT, Installed

pytestmark = pytest.mark.slow


def test_the_wheel_holds_every_module_of_the_tree(installed: Installed):
    tracked = subprocess.run(
        ["git", "ls-files", "ledger", "app", "migrations"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    expected = {
        path.replace("migrations/", "app/migrations/", 1)
        if path.startswith("migrations/")
        else path
        for path in tracked
    }
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert expected <= names, sorted(expected - names)


def test_the_base_install_has_no_server_stack(installed: Installed):
    for module in ("flask", "sqlalchemy", "marshmallow", "alembic"):
        found = installed.run("python", "-c", f"import {module}")
        assert found.returncode != 0, f"{module} is installed with the base package"
    version = installed.run("gold-ledger", "--version")
    assert version.returncode == 0
    assert "gold-ledger 0.1.0" in version.stdout


def test_the_installed_verifier_verifies_a_served_bundle(installed, demo_server, tmp_path):
    url, _keys = demo_server
    bundle, key = tmp_path / "ring.json", tmp_path / "operator.key"
    with urllib.request.urlopen(f"{url}/api/v1/lots/RING-2026-0001/bundle") as response:
        bundle.write_bytes(response.read())
    with urllib.request.urlopen(f"{url}/api/v1/verifier-key") as response:
        key.write_text(response.read().decode())
    verified = installed.run("gold-ledger-verify", str(bundle), "--key", key.read_text())
    assert verified.returncode == 0, verified.stderr
    assert_verified(verified.stdout)
    assert "Origin mines:" in verified.stdout

    document = json.loads(bundle.read_text())
    document["records"][0]["entry"]["created_at"] = "2020-01-01T00:00:00Z"
    bundle.write_text(json.dumps(document))
    tampered = installed.run("gold-ledger-verify", str(bundle), "--key", key.read_text())
    assert tampered.returncode == 1
    assert "FAILED" in tampered.stderr


def _day() -> str:
    return datetime.now(UTC).date().isoformat()


class Party:
    """``gold-ledger`` as one party, through a profile in a config file."""

    def __init__(
        self, installed: Installed, home: Path, url: str, party: str, key: Path, profile: str
    ):
        self.installed, self.home, self.party = installed, home, profile
        config = home / "config.toml"
        with config.open("a") as handle:
            handle.write(f'[profiles.{profile}]\nurl = "{url}"\nparty = "{party}"\nkey = "{key}"\n')
        self.env = {"XDG_CONFIG_HOME": str(home.parent), "XDG_STATE_HOME": str(home / "state")}

    def __call__(self, *args: str, stdin: str | None = None, ok: bool = True):
        result = self.installed.run(
            "gold-ledger", "--profile", self.party, *args, env=self.env, stdin=stdin
        )
        if ok:
            assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
        return result

    def json(self, *args: str):
        return json.loads(self("--json", *args).stdout)


@pytest.fixture
def parties(installed, demo_server, tmp_path):
    url, keys = demo_server
    home = tmp_path / "config" / "gold-ledger"
    home.mkdir(parents=True)

    def party(party_id: str, key: Path | None = None, profile: str | None = None) -> Party:
        key = key or keys / f"{party_id}.pem"
        return Party(installed, home, url, party_id, key, profile or party_id)

    return party


def _post_a_recent_price(arm, price: str) -> None:
    """Post a gold reference price within the floor's 7-day window on a day the demo left free
    (its story posts prices on days that depend on the clock)."""
    start = datetime.now(UTC).date()
    for back in range(7):
        day = (start - timedelta(days=back)).isoformat()
        posted = arm("price", "post", "--day", day, "--per-ozt", price, ok=False)
        if posted.returncode == 0:
            return
        assert "price-exists" in posted.stderr, posted.stderr
    raise AssertionError("every day of the last week has a price")


def test_a_refiners_day_through_the_installed_cli(parties):
    arm, mine, buyer = parties("arm"), parties("asmo-el-tambo"), parties("fab-andina")
    refiner, jeweller = parties("refiner-alpes"), parties("jeweller-oro-verde")
    today = _day()
    _post_a_recent_price(arm, "USD 4,050.00")
    mine(
        "lot",
        "register",
        "DORE-CLI-001",
        "--gross",
        "1.2497 kg",
        "--fineness",
        "900.0",
        "--claim",
        "ecological",
        "--site",
        "Vereda El Tambo",
        "--from",
        today,
        "--to",
        today,
    )
    sold = mine("sell", "DORE-CLI-001", "--to", "fab-andina", "--price", "USD 150,000.00")
    assert "lot.sold" in sold.stdout
    mine("ship", "DORE-CLI-001", "--to", "fab-andina")
    assert "DORE-CLI-001" in buyer("incoming").stdout
    buyer("receive", "DORE-CLI-001", "--gross-mg", "1249600")
    (owed,) = [o for o in buyer.json("premium", "list", "--open") if o["lot"] == "DORE-CLI-001"]
    assert owed["due"] == 674838  # 1,124.730 g fine x USD 6,000/kg, in cents
    buyer("premium", "pay", owed["id"], "--amount", "6,748.38", "--evidence", "SWIFT 4711")
    mine("premium", "confirm", owed["id"], "--amount", "USD 6,748.38")
    buyer("ship", "DORE-CLI-001", "--to", "refiner-alpes")

    # The refiner's part: a receipt weighed in the wrong unit is caught before it is stated.
    slip = refiner("receive", "DORE-CLI-001", "--gross", "1249.5 kg", stdin="n\n", ok=False)
    assert slip.returncode == 1
    assert "about 1,000 times off" in slip.stderr
    refiner("receive", "DORE-CLI-001", "--gross", "1249.5 g")
    refiner("assay", "DORE-CLI-001", "--fineness", "899.8", "--lab", "Alpes assay lab")
    dry = json.loads(
        refiner("--dry-run", "refine", "DORE-CLI-001", "--out", "BAR-CLI-1:1120 g:999.9").stdout
    )
    assert dry["type"] == "lot.refined"
    assert dry["body"]["outputs"][0]["gross_mg"] == 1_120_000
    greedy = refiner("refine", "DORE-CLI-001", "--out", "BAR-CLI-1:1200 g:999.9", ok=False)
    assert greedy.returncode == 1
    assert "fine-metal-created" in greedy.stderr
    assert "member: /body/outputs" in greedy.stderr
    refiner(
        "refine",
        "DORE-CLI-001",
        "--out",
        "BAR-CLI-1:1120 g:999.9:AL-77",
        "--year",
        "2026",
        "--mark",
        "Affinerie des Alpes",
    )
    held = refiner.json("holdings")
    assert [lot["id"] for lot in held if lot["id"].startswith("BAR-CLI")] == ["BAR-CLI-1"]
    refiner("ship", "BAR-CLI-1", "--to", "jeweller-oro-verde")

    jeweller("receive", "BAR-CLI-1", "--gross", "1.12 kg")
    jeweller(
        "split", "BAR-CLI-1", "--part", "RING-CLI-1=5 g:jewellery", "--part", "BAR-CLI-2=1115 g"
    )
    jeweller("claim", "RING-CLI-1", "--product", "Ring Selva")
    history = jeweller.json("lot", "show", "RING-CLI-1")
    assert history["lot"]["claimed_by"] == "jeweller-oro-verde"
    assert history["lot"]["origin_asmos"] == ["asmo-el-tambo"]
    assert history["lot"]["claim"] == "ecological"


def test_arms_onboarding_through_the_installed_cli(parties, installed, tmp_path):
    arm, certifier = parties("arm"), parties("cert-andes")
    key = tmp_path / "keys" / "asmo-rio-claro.pem"
    made = json.loads(arm("--json", "keygen", "--out", str(key)).stdout)
    assert key.stat().st_mode & 0o777 == 0o600
    arm(
        "party",
        "register",
        "asmo-rio-claro",
        "--name",
        "Mineros del Río Claro",
        "--country",
        "CO",
        "--role",
        "asmo",
        "--activity",
        "mining",
        "--public-key",
        str(key),
    )
    shown = arm.json("party", "show", "asmo-rio-claro")
    assert [k["id"] for k in shown["keys"]] == [made["key_id"]]
    buyer_key = tmp_path / "keys" / "fab-norte.pem"
    arm("keygen", "--out", str(buyer_key))
    arm(
        "party",
        "register",
        "fab-norte",
        "--name",
        "Oro del Norte SAS",
        "--country",
        "CO",
        "--role",
        "first_buyer",
        "--activity",
        "trading",
        "--public-key",
        str(buyer_key),
    )
    certifier(
        "certificate",
        "issue",
        "FM-900",
        "--asmo",
        "asmo-rio-claro",
        "--ecological",
        "--from",
        "2026-01-01",
        "--to",
        "2028-12-31",
        "--miners",
        "40",
        "--capacity",
        "12 kg",
    )
    arm(
        "authorisation",
        "grant",
        "fab-norte",
        "--role",
        "first_buyer",
        "--from",
        "2026-01-01",
        "--to",
        "2028-12-31",
    )
    arm(
        "rate",
        "fairmined-gold-2027",
        "--certification",
        "fairmined",
        "--per-kg",
        "USD 4,000.00",
        "--from",
        "2027-01-01",
    )
    prices = tmp_path / "prices.csv"
    # Days before the demo's six months of trade: no price is posted on them.
    prices.write_text('day,price\n2026-01-02,"USD 2,650.00"\n2026-01-05,4100.50 USD\n')
    imported = arm("price", "import", str(prices), "--skip-posted")
    assert "2 prices posted" in imported.stdout
    again = arm("price", "import", str(prices), "--skip-posted")
    assert "0 prices posted, 2 skipped" in again.stdout

    # The new mine takes over: a token for its reads, then it rotates its key.
    mine = parties("asmo-rio-claro", key)
    token = json.loads(mine("--json", "token", "issue", "--days", "7").stdout)
    mine("token", "revoke", token["token_id"])
    last = mine("key", "revoke", made["key_id"], ok=False)
    assert last.returncode == 1
    assert "last-key" in last.stderr
    new_key = tmp_path / "keys" / "asmo-rio-claro-2.pem"
    rotated = json.loads(mine("--json", "keygen", "--out", str(new_key)).stdout)
    mine("key", "add", "--public-key", str(new_key))
    renewed = parties("asmo-rio-claro", new_key, profile="rio-claro-new")
    renewed("key", "revoke", made["key_id"], "--reason", "rotated")
    keys = arm.json("party", "show", "asmo-rio-claro")["keys"]
    assert {k["id"]: k["revoked_at"] is None for k in keys} == {
        made["key_id"]: False,
        rotated["key_id"]: True,
    }
    refused = mine("token", "issue", ok=False)  # the old key signs nothing any more
    assert refused.returncode == 1
    assert "revoked-key" in refused.stderr

    report = arm("report", "premiums", "--csv", "-").stdout.splitlines()
    assert report[0].startswith("asmo,")
    assert "outstanding" in report[0].split(",")
    assert any("asmo-santa-rosa" in line for line in report[1:])
