"""Every message reaches people in their language: the catalogues hold every marked message, and no
template shows text that is not marked (outside the shrinking work list in languages_todo.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.languages_todo import NOT_YET_MARKED
from unionvote import translations_cli
from unionvote.i18n import choose_language, compile_catalogue, parse_accept_language, speaking, translations
from unionvote.i18n import gettext as _

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_the_catalogue_template_is_current_and_every_language_has_every_message(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    translations_cli.extract(fresh)
    assert translations_cli._ids(fresh) == translations_cli._ids(translations_cli.TEMPLATE), \
        "locale/messages.pot is out of date: run `unionvote translations update`"
    for language in translations_cli.languages():
        assert translations_cli.problems(language, fresh) == []


def test_a_missing_or_broken_translation_is_reported(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    pot.write_text('msgid "A message no catalogue has yet"\nmsgstr ""\n\n'
                   'msgid "You have %(n)s votes"\nmsgstr ""\n', encoding="utf-8")
    found = translations_cli.problems("pl", pot)
    assert "pl: missing 'A message no catalogue has yet'" in found and "pl: missing 'You have %(n)s votes'" in found


def test_every_template_outside_the_work_list_marks_its_text() -> None:
    unmarked = {str(path.relative_to(TEMPLATES)): translations_cli.unmarked_text(path.read_text(encoding="utf-8"))
                for path in sorted(TEMPLATES.rglob("*.html"))}
    shows_unmarked = sorted(name for name, found in unmarked.items() if found and name not in NOT_YET_MARKED)
    assert shows_unmarked == [], {name: unmarked[name][:3] for name in shows_unmarked}
    now_marked = sorted(name for name in NOT_YET_MARKED if name in unmarked and not unmarked[name])
    assert now_marked == [], "marked now: take these off tests/unit/languages_todo.py"


@pytest.mark.parametrize(("source", "expected"), [
    ('<p>Vote now</p>', [(1, "Vote now")]),
    ('<button aria-label="Close the ballot">{{ _("x") }}</button>', [(1, "Close the ballot")]),
    ('<a href="/x"{% if a %} aria-current="page"{% endif %}>{{ _("Home") }}</a>', []),
    ('<p>{% trans n=3 %}You have {{ n }} votes{% endtrans %}</p>', []),
    ('<script src="/static/app.js" defer></script><p>{{ _("Hi") }} – unionvote</p>', []),
])
def test_the_unmarked_text_finder_sees_what_a_reader_sees(source: str, expected: list[tuple[int, str]]) -> None:
    assert translations_cli.unmarked_text(source) == expected


def test_the_language_is_chosen_by_the_switch_the_profile_the_browser_and_the_event_in_that_order() -> None:
    assert parse_accept_language("en-GB,en;q=0.8,pl;q=0.9") == ["en-gb", "pl", "en"]
    assert choose_language(accept_language="pl-PL,pl;q=0.9") == "pl"
    assert choose_language(accept_language="en-GB", event_default="cy") == "cy"  # a Welsh event, an English browser
    assert choose_language(accept_language="pl", event_default="cy") == "pl"  # the member's own language first
    assert choose_language(chosen="cy", profile="pl", accept_language="pl") == "cy"
    assert choose_language(profile="pl", accept_language="cy") == "pl"
    assert choose_language(chosen="xx", accept_language="ja") == "en"


def test_messages_in_python_follow_the_language_of_the_moment() -> None:
    with speaking("pl"):
        assert _("Log out") == "Wyloguj się"
    with speaking("cy"):
        assert _("Log out") == "Allgofnodi"
    assert _("Log out") == "Log out"


def test_a_catalogue_compiles_in_memory_when_its_compiled_file_is_missing() -> None:
    po = Path(translations_cli.LOCALE_DIR) / "cy" / "LC_MESSAGES" / "messages.po"
    compiled = compile_catalogue(po.read_bytes(), "cy")
    assert compiled[:4] in (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")  # the gettext .mo magic number
    assert translations("cy").gettext("Language") == "Iaith"


STYLESHEETS = Path(__file__).resolve().parents[2] / "src" / "unionvote" / "static"
PHYSICAL_SIDES = re.compile(r"(?:margin|padding|border)-(?:left|right)\b|text-align:\s*(?:left|right)\b|"
                            r"(?<![-\w])(?:left|right)\s*:|float:\s*(?:left|right)\b")
FOUR_SIDES = re.compile(r"(?:margin|padding):\s*([^;{}]+)")


def test_the_stylesheets_lay_out_by_start_and_end_so_a_right_to_left_language_mirrors() -> None:
    """A right-to-left catalogue sets dir="rtl"; every side in our CSS must then follow the text's direction."""
    physical: list[str] = []
    for sheet in sorted(STYLESHEETS.glob("*.css")):
        for number, line in enumerate(sheet.read_text(encoding="utf-8").splitlines(), start=1):
            if PHYSICAL_SIDES.search(line):
                physical.append(f"{sheet.name}:{number}: {line.strip()}")
            for value in FOUR_SIDES.findall(line):  # a shorthand whose left and right differ
                parts = value.split()
                if len(parts) == 4 and parts[1] != parts[3]:
                    physical.append(f"{sheet.name}:{number}: {line.strip()}")
    assert physical == []


def test_no_template_takes_the_name_of_the_translation_function() -> None:
    """`{% set _ = ... %}` would hide `_()` from the rest of the page (and from what it includes)."""
    taken = [str(path.relative_to(TEMPLATES)) for path in sorted(TEMPLATES.rglob("*.html"))
             if re.search(r"{%-?\s*set\s+_\s*=", path.read_text(encoding="utf-8"))]
    assert taken == []


def test_a_rejected_import_tells_staff_each_bad_row_in_their_language_and_keeps_the_column_names() -> None:
    from unionvote.conferences.csvfiles import parse_bodies
    from unionvote.conferences.csvtable import RegisterFileRejected

    bodies = b"code,name,kind,membership\nAB,Branch A,branch,12x\nAB,Branch B,shop,7\n"
    with speaking("pl"), pytest.raises(RegisterFileRejected) as refused:
        parse_bodies(bodies)
    said = str(refused.value)
    assert said.startswith("Niczego nie zaimportowano: 2 wiersze pliku mają błędy.")
    assert "Wiersz 2: membership „12x”: nie jest całkowitą liczbą członków" in said  # the column keeps its name
    assert "Wiersz 3: kod „AB” jest też w wierszu 2" in said
    with pytest.raises(RegisterFileRejected) as in_english:
        parse_bodies(bodies)
    assert "Row 2: membership '12x' is not a whole number of members" in str(in_english.value)


def test_a_motion_state_reads_in_the_page_language_while_the_export_keeps_english() -> None:
    from unionvote.i18n import TranslatedWords
    from unionvote.motions.common import STATE_WORDS

    on_the_page = TranslatedWords(STATE_WORDS)
    with speaking("cy"):
        assert on_the_page["carried_as_amended"] == "Derbyniwyd fel y'i diwygiwyd"
        assert dict(on_the_page.items())["lost"] == "Gwrthodwyd"
        assert STATE_WORDS["carried_as_amended"] == "Carried as amended"  # what the CSV export writes
