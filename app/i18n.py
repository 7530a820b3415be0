"""English and Spanish pages (flask-babel): the locale, and money, dates and countries per locale.

The locale comes from ``?lang=``, then the ``ledger_lang`` cookie the language switcher sets,
then the browser's Accept-Language. Catalogs live in ``app/translations``; the compiled ``.mo``
files are committed beside their ``.po`` sources (a test holds them equal), so the README's
set-up commands need no build step. Money is formatted from exact integer minor units, countries
come from pycountry (ISO 3166 names, their translations and flags), dates from babel.
"""

from __future__ import annotations

import gettext
from datetime import date
from decimal import Decimal
from functools import cache

import pycountry
from babel.dates import format_date
from babel.numbers import format_currency, get_currency_precision
from flask import Blueprint, Flask, redirect, request
from flask_babel import Babel, get_locale

from app.site_paths import is_site_path

LOCALES = ("en", "es")
COOKIE = "ledger_lang"
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The page's language: explicit choice, then the switcher's cookie, then the browser's."""
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or LOCALES[0]


def language() -> str:
    return str(get_locale() or LOCALES[0])


def money(minor: int, currency: str) -> str:
    """Exact integer minor units as the locale writes them: ``4.400,00 US$`` in Spanish."""
    amount = Decimal(minor).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale=language())


def day(value: str | date) -> str:
    """A calendar day (``YYYY-MM-DD`` or a date) in the locale's medium format."""
    when = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return format_date(when, format="medium", locale=language())


@cache
def _country_names(locale: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True
    )


def country(code: str | None) -> dict:
    """``{"code", "name", "flag"}`` of an ISO 3166-1 alpha-2 code, named in the page's language."""
    found = pycountry.countries.get(alpha_2=code or "")
    if found is None:
        return {"code": code, "name": code or "", "flag": ""}
    name = getattr(found, "common_name", None) or found.name
    return {"code": code, "name": _country_names(language()).gettext(name), "flag": found.flag}


@bp.get("/language/<code>")
def switch(code: str):
    """Remember the chosen language and go back to the page the switcher was on."""
    target = request.args.get("next", "/")
    if not is_site_path(target):
        target = "/"
    response = redirect(target, code=303)
    if code in LOCALES:
        response.set_cookie(COOKIE, code, max_age=365 * 86400, samesite="Lax", path="/")
    return response


def register(app: Flask) -> None:
    """Set up flask-babel, the language switcher and the formatting functions of templates."""
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        money_text=money, day_text=day, country=country, language=language, locales=LOCALES
    )
