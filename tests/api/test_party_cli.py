"""``gold-ledger`` in process, over real HTTP to the app: generic subcommands for every entry
type, refusals shown as title, detail and member, ``--dry-run``, ``--json`` and profiles."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner
from support import Supply

from ledger.admission import REGISTRY
from ledger.cli import cli
from ledger.cli.generic import entry_command
from ledger.entry import verify_entry_signature
from ledger.fields import Bool, List, Obj
from ledger.timefmt import now


@pytest.fixture
def as_party(world, served, tmp_path, monkeypatch):
    """Run ``gold-ledger`` as a party of ``world`` (its key written to a PEM file)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in ("GOLD_LEDGER_URL", "GOLD_LEDGER_PARTY", "GOLD_LEDGER_KEY", "GOLD_LEDGER_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def run(party: str, *args: str, stdin: str | None = None):
        key = tmp_path / f"{party}.pem"
        key.write_bytes(world.signers[party].key.to_pem())
        options = ["--url", served, "--party", party, "--key", str(key)]
        return CliRunner().invoke(cli, [*options, *args], input=stdin, catch_exceptions=False)

    return run


def _size(world) -> int:
    return world.client.head()["size"]


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_entry_type_has_a_subcommand_with_every_body_member(name):
    command = entry_command(REGISTRY[name])
    options = {opt for param in command.params for opt in param.opts}
    for member, spec in REGISTRY[name].body.members.items():
        flag = "--" + member.replace("_", "-")
        assert flag in options, (name, member)
        param = next(p for p in command.params if flag in p.opts)
        assert param.multiple == isinstance(spec, List), (name, member)
        assert param.is_flag == isinstance(spec, Bool), (name, member)
    assert ("--private" in options) == (REGISTRY[name].private is not None)
    help_text = CliRunner().invoke(cli, ["entry", name, "--help"]).output
    assert REGISTRY[name].summary.split(".")[0][:40] in " ".join(help_text.split())


def test_the_generic_subcommand_states_an_entry(world, as_party):
    supply = Supply(world)
    registered = supply.register_lot("DORE-777")
    before = _size(world)
    result = as_party(
        "asmo-iquira",
        "--json",
        "entry",
        "lot.assayed",
        "--lot-id",
        "DORE-777",
        "--fineness",
        "8790",
        "--kind",
        "provisional",
        "--laboratory",
        "Mine lab",
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["seq"] == before + 2  # after the token the CLI issued itself for reads
    assert record["entry"]["body"]["lot_head"] == registered["entry_hash"]
    lot = world.client.request("GET", "/api/v1/lots/DORE-777")["lot"]
    assert lot["assays"][0]["fineness"] == 8790


def test_list_and_boolean_members_as_options_and_the_whole_body_as_json(world, as_party, tmp_path):
    from ledger.keys import PrivateKey

    world.register("cert-x", ["certifier"], activities=["certification"])
    registered = as_party(
        "arm",
        "entry",
        "party.registered",
        "--party-id",
        "asmo-nueva",
        "--name",
        "Nueva",
        "--country",
        "PE",
        "--roles",
        "asmo",
        "--activities",
        "mining",
        "--public-key",
        PrivateKey.generate().public.b64,
    )
    assert registered.exit_code == 0, registered.output
    body = {
        "certificate_id": "FM-77",
        "party_id": "asmo-nueva",
        "metals": ["gold"],
        "valid_from": "2026-01-01",
        "valid_to": "2027-01-01",
        "miners": 12,
    }
    issued = as_party(
        "cert-x",
        "--json",
        "entry",
        "certificate.issued",
        "--body",
        json.dumps(body),
        "--ecological",
    )
    assert issued.exit_code == 0, issued.output
    assert json.loads(issued.output)["entry"]["body"] == {**body, "ecological": True}


def test_a_refusal_shows_title_detail_and_member_and_writes_nothing(world, as_party):
    Supply(world)
    before = _size(world)
    refused = as_party(
        "refiner-alpes",
        "entry",
        "lot.shipped",
        "--lot-id",
        "NO-SUCH-LOT",
        "--lot-head",
        "0" * 64,
        "--to",
        "jeweller-oro",
    )
    assert refused.exit_code == 1
    assert "refused (404 unknown-lot): No such lot" in refused.output
    local = as_party(
        "arm",
        "entry",
        "reference_price.posted",
        "--metal",
        "gold",
        "--day",
        "2026-13-01",
        "--currency",
        "USD",
        "--price-per-troy-oz",
        "1",
    )
    assert local.exit_code == 1
    assert "refused (invalid-entry): checked here, before sending: nothing was sent" in local.output
    assert "member: /body/day" in local.output
    assert _size(world) == before


def test_dry_run_prints_a_signed_entry_and_sends_nothing(world, as_party):
    before = _size(world)
    today = now()[:10]
    dry = as_party("arm", "--dry-run", "price", "post", "--day", today, "--per-ozt", "USD 4,050.00")
    assert dry.exit_code == 0, dry.output
    entry = json.loads(dry.output)
    verify_entry_signature(entry, world.signers["arm"].key.public)
    assert entry["body"] == {
        "metal": "gold",
        "day": today,
        "currency": "USD",
        "price_per_troy_oz": 405_000,
    }
    assert _size(world) == before
    sent = world.client.submit(entry)  # the printed entry is exactly what would be sent
    assert sent["seq"] == before + 1


def test_dry_run_never_issues_a_token_to_learn_a_lot_head(world, as_party):
    supply = Supply(world)
    supply.register_lot("DORE-778")
    before = _size(world)
    dry = as_party("asmo-iquira", "--dry-run", "ship", "DORE-778", "--to", "fab-andes")
    assert dry.exit_code == 2
    assert "token issue --save" in dry.output
    assert _size(world) == before


def test_a_sale_seals_its_price_client_side(world, as_party, app):
    supply = Supply(world)
    supply.register_lot("DORE-779")
    sold = as_party(
        "asmo-iquira",
        "--json",
        "sell",
        "DORE-779",
        "--to",
        "fab-andes",
        "--price",
        "USD 113,000.00",
    )
    assert sold.exit_code == 0, sold.output
    record = json.loads(sold.output)
    assert "private" not in record["entry"]
    assert set(record["entry"]["body"]) == {"lot_id", "lot_head", "buyer", "terms_commitment"}
    low = as_party("asmo-iquira", "sell", "DORE-779", "--to", "fab-andes", "--price", "USD 1.00")
    assert low.exit_code == 1
    assert "already-sold" in low.output


def test_a_weighing_a_thousand_times_off_is_stated_only_when_confirmed(world, as_party):
    supply = Supply(world)
    supply.register_lot("DORE-780", gross_mg=1_000_000)
    supply.sell("DORE-780")
    world.state(
        "asmo-iquira",
        "lot.shipped",
        {"lot_id": "DORE-780", "lot_head": supply.head("DORE-780"), "to": "fab-andes"},
    )
    before = _size(world)
    declined = as_party("fab-andes", "receive", "DORE-780", "--gross", "1000 kg", stdin="n\n")
    assert declined.exit_code == 1
    assert "about 1,000 times off" in declined.output
    assert _size(world) == before + 1  # only the token the CLI issued itself for reads
    confirmed = as_party("fab-andes", "receive", "DORE-780", "--gross", "999.8 g", stdin="")
    assert confirmed.exit_code == 0, confirmed.output
    lot = world.client.request("GET", "/api/v1/lots/DORE-780")["lot"]
    assert lot["gross_mg"] == 999_800


def test_profiles_options_over_environment_over_config_file(tmp_path, monkeypatch):
    from ledger.cli.profile import ProfileError, load

    config = tmp_path / "config.toml"
    config.write_text(
        'default = "mine"\n[profiles.mine]\nurl = "http://file"\nparty = "asmo-a"\n'
        'key = "~/a.pem"\n[profiles.other]\nurl = "http://other"\n'
    )
    for name in (
        "GOLD_LEDGER_URL",
        "GOLD_LEDGER_PARTY",
        "GOLD_LEDGER_KEY",
        "GOLD_LEDGER_TOKEN",
        "GOLD_LEDGER_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    chosen = load({}, profile=None, config=str(config))
    assert (chosen.name, chosen.url, chosen.party) == ("mine", "http://file", "asmo-a")
    assert not str(chosen.key).startswith("~")
    monkeypatch.setenv("GOLD_LEDGER_URL", "http://env")
    assert load({}, profile=None, config=str(config)).url == "http://env"
    assert load({"url": "http://option"}, profile=None, config=str(config)).url == "http://option"
    assert load({}, profile="other", config=str(config)).party is None
    with pytest.raises(ProfileError):
        load({}, profile="missing", config=str(config))
    with pytest.raises(ProfileError):
        load({}, profile=None, config=str(tmp_path / "absent.toml"))
    config.write_text('[profiles.x]\npassword = "no"\n')
    with pytest.raises(ProfileError):
        load({}, profile="x", config=str(config))


def test_a_missing_setting_says_where_to_give_it(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("GOLD_LEDGER_URL", "GOLD_LEDGER_PARTY", "GOLD_LEDGER_KEY", "GOLD_LEDGER_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["holdings"])
    assert result.exit_code == 2
    assert "GOLD_LEDGER_PARTY" in result.output or "GOLD_LEDGER_URL" in result.output


def test_the_command_tree_is_one_click_group():
    assert isinstance(cli, click.Group)
    assert {
        "receive",
        "assay",
        "split",
        "merge",
        "refine",
        "ship",
        "sell",
        "claim",
        "retire",
        "premium",
        "party",
        "certificate",
        "authorisation",
        "rate",
        "price",
        "token",
        "key",
        "holdings",
        "incoming",
        "lot",
        "head",
        "report",
        "entry",
    } <= set(cli.commands)
    assert isinstance(REGISTRY["lot.merged"].body.members["output"], Obj)


def test_a_saved_token_that_was_revoked_is_replaced_once(world, as_party, tmp_path):
    first = as_party("arm", "--json", "token", "issue", "--save")
    assert first.exit_code == 0, first.output
    token_id = json.loads(first.output)["token_id"]
    assert as_party("arm", "head").exit_code == 0
    assert as_party("arm", "token", "revoke", token_id).exit_code == 0
    before = _size(world)
    listed = as_party("arm", "--json", "report", "blocked")
    assert listed.exit_code == 0, listed.output
    assert _size(world) == before + 1  # a fresh token.issued replaced the revoked one


def test_the_generic_sale_seals_private_terms_it_is_given(world, as_party):
    supply = Supply(world)
    supply.register_lot("DORE-781")
    sold = as_party(
        "asmo-iquira",
        "--json",
        "entry",
        "lot.sold",
        "--lot-id",
        "DORE-781",
        "--buyer",
        "fab-andes",
        "--private",
        '{"price": 11300000, "currency": "USD"}',
    )
    assert sold.exit_code == 0, sold.output
    body = json.loads(sold.output)["entry"]["body"]
    assert len(body["terms_commitment"]) == 64
    assert "price" not in body


def test_a_party_lists_its_tokens_and_sees_a_revocation(world, as_party):
    issued = as_party("arm", "--json", "token", "issue", "--label", "reports")
    token_id = json.loads(issued.output)["token_id"]
    assert as_party("arm", "token", "revoke", token_id).exit_code == 0
    listed = as_party("arm", "--json", "token", "list")
    assert listed.exit_code == 0, listed.output
    tokens = {t["id"]: t for t in json.loads(listed.output)}
    assert tokens[token_id]["label"] == "reports"
    assert tokens[token_id]["revoked_seq"] is not None
    assert not any("secret" in key for t in tokens.values() for key in t)
    table = as_party("arm", "token", "list").output
    assert token_id in table
    assert "revoked" in table


def test_premium_pay_signs_only_a_commitment_to_the_evidence(world, as_party):
    supply = Supply(world)
    supply.register_lot("DORE-790")
    obligation = f"PRM-{supply.sell('DORE-790')['seq']}"
    paid = as_party(
        "fab-andes",
        "--json",
        "premium",
        "pay",
        obligation,
        "--amount",
        "USD 1.00",
        "--evidence",
        "SWIFT MT103 2026-77",
    )
    assert paid.exit_code == 0, paid.output
    body = json.loads(paid.output)["entry"]["body"]
    assert len(body["evidence_commitment"]) == 64
    assert "SWIFT" not in paid.output
