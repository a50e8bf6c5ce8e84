"""The Hindi message catalogue (locale/hi, SPEC section 7 "Languages") is whole and compiled.

Every message has its translation, none is left fuzzy or obsolete (makemessages marks a changed
message fuzzy and gettext then shows English), each keeps its placeholders, the committed .mo says
what the .po says, and every {% translate "..." %} of the templates is in the catalogue.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "hi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PYTHON_PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)[sd]|%%")
BRACE_PLACEHOLDER = re.compile(r"\{[A-Za-z_]+\}")
TRANSLATE_TAG = re.compile(r'{%\s*translate\s+"([^"]+)"(?:\s+context\s+"([^"]+)")?')


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def name(self) -> str:
        return f"line {self.line}: {self.msgid!r}" + (f" (context {self.msgctxt!r})" if self.msgctxt else "")


def _entries() -> list[Entry]:
    """The catalogue's entries, read the way msgfmt reads them (comments, flags, continued strings)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    for number, raw in enumerate(PO.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            current = None  # entries are separated by blank lines
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#~"):
            current.obsolete = True  # kept by makemessages without --no-obsolete: read on
            line = line[2:].strip()
            if line.startswith("|") or not line:
                continue
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        else:
            if not line.startswith('"'):
                keyword, _, line = line.partition(" ")
                plural_form = re.fullmatch(r"msgstr\[(\d)\]", keyword)
                target = ("msgstr", int(plural_form[1])) if plural_form else (keyword, 0)
                assert target[0] in ("msgctxt", "msgid", "msgid_plural", "msgstr"), (
                    f"line {number}: {keyword}"
                )
            text = ast.literal_eval(line)
            name, index = target
            if name == "msgstr":
                current.msgstr[index] = current.msgstr.get(index, "") + text
            else:
                setattr(current, name, (getattr(current, name) or "") + text)
    return [entry for entry in entries if entry.msgid or entry.msgstr]


ENTRIES = _entries()
MESSAGES = [entry for entry in ENTRIES if entry.msgid]  # without the header


def test_the_catalogue_reads_and_has_the_messages():
    header = [entry for entry in ENTRIES if not entry.msgid]
    assert len(header) == 1 and "Plural-Forms: nplurals=2; plural=(n != 1);" in header[0].msgstr[0]
    assert len(MESSAGES) > 500


def test_no_message_is_untranslated_fuzzy_or_obsolete():
    fuzzy = [entry.name for entry in MESSAGES if "fuzzy" in entry.flags]
    obsolete = [entry.name for entry in MESSAGES if entry.obsolete]
    empty = [
        entry.name
        for entry in MESSAGES
        if not entry.msgstr or any(not text for text in entry.msgstr.values())
        or (entry.msgid_plural and sorted(entry.msgstr) != [0, 1])
    ]  # fmt: skip
    assert fuzzy == [] and obsolete == [] and empty == []


def test_every_translation_keeps_its_placeholders():
    wrong = []
    for entry in MESSAGES:
        pattern = BRACE_PLACEHOLDER if "python-brace-format" in entry.flags else PYTHON_PLACEHOLDER
        if "python-format" not in entry.flags and "python-brace-format" not in entry.flags:
            continue
        sources = {entry.msgid, entry.msgid_plural or entry.msgid}
        wanted = [sorted(pattern.findall(source)) for source in sources]
        for text in entry.msgstr.values():
            if sorted(pattern.findall(text)) not in wanted:
                wrong.append(f"{entry.name} -> {text!r}")
    assert wrong == []


def test_the_committed_mo_is_compiled_from_this_po():
    with MO.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in MESSAGES:
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            found = {index: catalogue.get((key, index)) for index in entry.msgstr}
        else:
            found = {0: catalogue.get(key)}
        if found != entry.msgstr:
            stale.append(entry.name)
    assert stale == [], "run: python manage.py compilemessages -l hi -i .venv"


@pytest.mark.parametrize("template", sorted((ROOT / "templates").rglob("*.html")), ids=lambda p: p.name)
def test_every_translate_tag_of_the_templates_is_in_the_catalogue(template):
    known = {(entry.msgctxt, entry.msgid) for entry in MESSAGES}
    # makemessages doubles a template's % signs (the catalogue's msgids are Python formats).
    missing = [
        (context, text)
        for text, context in TRANSLATE_TAG.findall(template.read_text(encoding="utf-8"))
        if (context or None, text.replace("%", "%%")) not in known
    ]
    assert missing == [], "run: python manage.py makemessages -l hi --no-obsolete, then translate"
