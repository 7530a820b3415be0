"""ARM's dashboard views: per country, certificate status and capacity per mine, claims per
licensee, one chart scale per currency, and filters explained on the page in words."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import sign_in

from app import bootstrap, demo
from app.db.store import SqlStore
from app.db.uow import reading
from app.web import dashboard, dashboard_views
from ledger import accounting
from ledger.client import Signer

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def arm_client(app, client, tmp_path):
    key = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    demo.build(app.extensions["ledger"].engine, tmp_path / "keys", key, "test/log")
    sign_in(client, Signer("arm", bootstrap.load_or_create_key(tmp_path / "keys" / "arm.pem")))
    return client


def rows_of(html: str, section: str, attribute: str) -> dict[str, str]:
    """The text of each row of a section's table, by one of its data attributes."""
    found = re.search(rf'<section class="panel" id="{section}">(.*?)</section>', html, re.S)
    assert found, section
    rows = re.findall(rf'<tr {attribute}="([^"]+)"[^>]*>(.*?)</tr>', found.group(1), re.S)
    return {key: " ".join(re.sub(r"<[^>]+>", " ", body).split()) for key, body in rows}


def test_certificate_status_and_capacity_per_mine(arm_client, engine):
    with reading(engine) as connection:
        certificates = SqlStore(connection).all("certificate")
    suspended = {c["id"] for c in certificates if c["status"] == "suspended"}
    assert suspended == {"FM-005"}  # the demo suspends one mine's certificate

    def expected(otherwise: str) -> dict[str, str]:
        return {c["id"]: "suspended" if c["id"] in suspended else otherwise for c in certificates}

    html = arm_client.get("/arm/dashboard").text
    mines = rows_of(html, "mines", "data-certificate")
    statuses = dict(re.findall(r'data-certificate="([^"]+)" data-status="([^"]+)"', html))
    assert statuses == expected("active")
    for use in accounting.capacity_use(certificates, date.today()):
        row = mines[use["certificate"]]
        percent = f"{use['used_bp'] // 100}.{use['used_bp'] % 100:02d} %"
        assert percent in row, (use, row)
        assert str(use["miners"]) in row
    assert "Minera Artesanal Santa Rosa" in mines["FM-003"]
    assert "Peru" in mines["FM-003"]
    # Near the end of the demo's certificates (2027-12-31) the active ones expire soon.
    later = arm_client.get("/arm/dashboard?as_of=2027-11-01").text
    statuses = dict(re.findall(r'data-certificate="([^"]+)" data-status="([^"]+)"', later))
    assert statuses == expected("expiring")
    assert "expiring soon" in later
    gone = arm_client.get("/arm/dashboard?as_of=2028-01-01").text
    assert set(re.findall(r'data-status="(expired|expiring|active)"', gone)) == {"expired"}


def test_claims_per_licensee_match_the_licensees_report(arm_client):
    html = arm_client.get("/arm/dashboard").text
    shown = rows_of(html, "licensees", "data-licensee")
    api = arm_client.get("/api/v1/reports/licensees").get_json()["items"]
    assert api
    assert set(shown) == {row["licensee"] for row in api}
    for row in api:
        text = shown[row["licensee"]]
        kg = f"{row['fine_mg'] // 1_000_000:,}.{row['fine_mg'] % 1_000_000:06d} kg"
        assert f"{row['claims']} {kg}" in text, text
    assert "Oro Verde Jewellery Ltd" in " ".join(shown.values())


def test_per_country_totals_add_up_to_the_report(arm_client):
    html = arm_client.get("/arm/dashboard").text
    countries = rows_of(html, "countries", "data-country")
    assert set(countries) == {"CO", "PE"}
    assert countries["CO"].startswith("🇨🇴 Colombia")
    report = arm_client.get("/api/v1/reports/premiums?period=year").get_json()
    (usd,) = report["totals"]
    shown = 0
    for text in countries.values():
        due = re.findall(r"\$([\d,]+\.\d\d)", text)[0]  # the first amount is the premium due
        shown += int(due.replace(",", "").replace(".", ""))
    assert shown == usd["due"]


def test_side_by_side_charts_share_one_scale(arm_client):
    html = arm_client.get("/arm/dashboard?period=quarter").text
    tops = set(
        re.findall(r'<figure class="chart" data-asmo="[^"]+" data-scale-top="([^"]+)"', html)
    )
    assert len(tops) == 1  # every mine's chart, one currency: one axis


@PROPERTY
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["asmo-a", "asmo-b", "asmo-c"]),
            st.sampled_from(["2026-01", "2026-02", "2026-03", "2026-04"]),
            st.sampled_from(["USD", "EUR", "JPY"]),
            st.integers(0, 10**9),
            st.integers(0, 100),
            st.integers(0, 100),
        ),
        min_size=1,
        max_size=12,
        unique_by=lambda r: (r[0], r[1], r[2]),
    )
)
def test_flow_charts_of_one_currency_share_scale_and_periods(app, rows):
    report = []
    for asmo, period, currency, due, paid_share, confirmed_share in rows:
        paid = due * paid_share // 100
        report.append(
            {
                "asmo": asmo,
                "period": period,
                "currency": currency,
                "due": due,
                "paid": paid,
                "confirmed": paid * confirmed_share // 100,
                "outstanding": due - paid * confirmed_share // 100,
                "overdue": 0,
            }
        )
    with app.test_request_context("/?lang=en"):
        charts = dashboard.flow_charts(sorted(report, key=lambda r: r["period"]), {})
    for currency in {r["currency"] for r in report}:
        mine = [c for c in charts if c["currency"] == currency]
        assert len({tuple(t["label"] for t in c["ticks"]) for c in mine}) == 1
        peak = max(max(r["due"], r["paid"]) for r in report if r["currency"] == currency)
        tallest = max(b["h"] for c in mine for b in c["bars"])
        assert tallest <= dashboard.PLOT_H
        if peak:
            assert tallest > 0
        slots = {}
        for chart in mine:
            for label in chart["labels"]:
                slots.setdefault(label["text"], set()).add(label["x"])
        assert all(len(xs) == 1 for xs in slots.values())  # a period sits at one x everywhere
        # The same amount is the same height in every chart of the currency.
        heights = {}
        for chart in mine:
            for bar in chart["bars"]:
                row = next(
                    r
                    for r in report
                    if r["asmo"] == chart["asmo"]
                    and r["currency"] == currency
                    and bar["title"].startswith(r["period"])
                )
                heights.setdefault(row[bar["series"]], set()).add(bar["h"])
        assert all(len(found) == 1 for found in heights.values())


@PROPERTY
@given(
    st.sampled_from(["active", "suspended", "withdrawn"]),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.integers(-400, 400),
)
def test_certificate_status_follows_its_dates(status, ends, offset):
    certificate = {"status": status, "valid_to": ends.isoformat()}
    as_of = ends - timedelta(days=offset)
    found = dashboard_views.certificate_status(certificate, as_of)
    if status != "active":
        assert found == status
    elif offset < 0:
        assert found == "expired"
    elif offset <= dashboard_views.EXPIRING_SOON_DAYS:
        assert found == "expiring"
    else:
        assert found == "active"


FILTER_VALUES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["2026-02-30", "2026-01-01", "month", "decade", "asmo-el-tambo", "x y"]),
)


@PROPERTY
@given(st.dictionaries(st.sampled_from(dashboard_views.FIELDS), FILTER_VALUES, max_size=5))
def test_any_filters_give_a_page_with_each_problem_named(app, args):
    with app.test_request_context("/?lang=en"):
        query, errors = dashboard_views.read_filters(args, ["asmo-el-tambo"])
    assert query["period"] in ("month", "quarter", "year")
    assert query["asmo"] in (None, "asmo-el-tambo")
    assert set(errors) <= set(dashboard_views.FIELDS)
    for name in errors:
        assert args.get(name) or name == "to"
    if not errors:
        assert query["start"] is None or query["end"] is None or query["start"] <= query["end"]


def test_bad_filters_are_explained_next_to_their_fields(arm_client):
    page = arm_client.get("/arm/dashboard?from=2026-02-30&to=soon&asmo=asmo-nowhere&period=month")
    assert page.status_code == 400
    assert page.mimetype == "text/html"
    html = page.text
    assert 'id="error-from"' in html
    assert "“2026-02-30” is not a day" in html
    assert 'id="error-to"' in html
    assert "No mine “asmo-nowhere” is registered" in html
    assert 'aria-invalid="true" aria-describedby="error-from"' in html
    assert 'value="2026-02-30"' in html  # what was typed stays in the field to be corrected
    assert 'id="flows"' in html  # the rest of the page still shows, with the defaults
    backwards = arm_client.get("/arm/dashboard?from=2026-06-01&to=2026-01-01")
    assert backwards.status_code == 400
    assert "“To” is before “From”" in backwards.text
    assert arm_client.get("/arm/dashboard?period=year&asmo=asmo-el-tambo").status_code == 200
