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
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle) if path.suffix in {".po", ".pot"} else read_mo(handle)


def _messages(catalog) -> dict[str, str]:
    return {m.id: m.string for m in catalog if m.id}


def test_every_message_has_a_spanish_translation_with_the_same_placeholders():
    spanish = _messages(_catalog(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"))
    template = _messages(_catalog(TRANSLATIONS / "messages.pot"))
    assert set(spanish) == set(template)
    for source, translated in spanish.items():
        assert translated, f"untranslated: {source!r}"
        assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(source))


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
