"""The Spanish catalog: complete, its placeholders intact, the committed .mo compiled from the
committed .po, and the template (.pot) holding every message the code and templates use."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
PLACEHOLDER = re.compile(r"\{(\w+)\}|%\((\w+)\)[sd]")


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle) if path.suffix in {".po", ".pot"} else read_mo(handle)


def _messages(catalog) -> dict:
    """Message ids to translations; a plural message as a tuple of forms to a tuple of forms."""

    def frozen(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {frozen(m.id): frozen(m.string) for m in catalog if m.id}


def _placeholders(text: str) -> list[str]:
    return sorted(a or b for a, b in PLACEHOLDER.findall(text))


def _pairs(source, translated) -> list[tuple[str, str]]:
    """(source, translation) per form: Spanish's forms after the first follow the English plural."""
    if isinstance(source, str):
        return [(source, translated)]
    return [(source[min(i, 1)], form) for i, form in enumerate(translated)]


def test_every_message_has_a_spanish_translation_with_the_same_placeholders():
    spanish = _messages(_catalog(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"))
    template = _messages(_catalog(TRANSLATIONS / "messages.pot"))
    assert set(spanish) == set(template)
    for source, translated in spanish.items():
        for original, form in _pairs(source, translated):
            assert form, f"untranslated: {source!r}"
            assert _placeholders(form) == _placeholders(original), (original, form)


def test_the_committed_mo_is_compiled_from_the_committed_po():
    po = _messages(_catalog(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"))
    mo = _messages(_catalog(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.mo"))
    assert mo == po


def test_the_template_holds_every_message_in_use(tmp_path):
    fresh = tmp_path / "messages.pot"
    extract = ["extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output"]
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *extract, "-o", str(fresh), "app"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert set(_messages(_catalog(fresh))) == set(
        _messages(_catalog(TRANSLATIONS / "messages.pot"))
    )
