"""`unionvote translations ...`: the translators' workflow on top of Babel's own tools (docs/translating.md).

extract  collect every marked message into locale/messages.pot
update   bring every language's catalogue up to date with it (new messages arrive untranslated)
init     start a new language's catalogue
compile  write the .mo files (a build does this by itself; see hatch_build.py)
check    what is missing, fuzzy or broken in each catalogue; exit 1 if anything is
"""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from unionvote.i18n import LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE, compile_catalogue

ROOT = LOCALE_DIR.parent.parent.parent  # the checkout: babel.cfg, src/, templates/
TEMPLATE = LOCALE_DIR / "messages.pot"
KEYWORDS = ["N_", "lazy_gettext"]  # besides Babel's own _, gettext, ngettext, pgettext


def pybabel(*argv: str) -> None:
    CommandLineInterface().run(["pybabel", "--quiet", *argv])


def extract(target: Path = TEMPLATE) -> None:
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    pybabel("extract", "-F", str(ROOT / "babel.cfg"), *keywords, "--no-location", "--sort-output",
            "--omit-header", "--project", "unionvote", "-o", str(target), str(ROOT))


def languages() -> list[str]:
    return [code for code in LANGUAGES if code != SOURCE_LANGUAGE]


def problems(language: str, template: Path = TEMPLATE) -> list[str]:
    """Every message of the template missing, untranslated, fuzzy or with different placeholders."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return [f"{language}: no catalogue at {po.relative_to(ROOT)}"]
    with template.open("rb") as source:
        wanted = read_po(source)
    with po.open("rb") as source:
        catalogue = read_po(source, locale=language)
    found: list[str] = []
    for message in wanted:
        if not message.id:
            continue
        translated = catalogue.get(message.id, message.context)
        strings = [s for s in (translated.string if isinstance(translated.string, tuple)
                               else (translated.string,))] if translated else []
        if translated is None:
            found.append(f"{language}: missing {message.id!r}")
        elif "fuzzy" in translated.flags:
            found.append(f"{language}: fuzzy {message.id!r}")
        elif not all(strings):
            found.append(f"{language}: untranslated {message.id!r}")
    for message, errors in catalogue.check():
        found += [f"{language}: {message.id!r}: {error}" for error in errors]
    return found


def cmd_translations(args: argparse.Namespace) -> int:
    action = args.translations_command
    if action == "extract":
        extract()
    elif action in ("update", "init"):
        extract()
        for language in ([args.language] if action == "init" else languages()):
            verb = "init" if action == "init" else "update"
            extra = [] if action == "init" else ["--no-fuzzy-matching", "--ignore-obsolete"]
            pybabel(verb, "-D", "messages", "-i", str(TEMPLATE), "-d", str(LOCALE_DIR), "-l", language,
                    "--width", "100", *extra)
    elif action == "compile":
        for language in languages():
            po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
            po.with_suffix(".mo").write_bytes(compile_catalogue(po.read_bytes(), language))
    else:  # check
        fresh = io.StringIO()
        scratch = ROOT / "test-artifacts" / "messages.pot"
        scratch.parent.mkdir(exist_ok=True)
        extract(scratch)
        stale = _ids(scratch) != _ids(TEMPLATE)
        if stale:
            print("locale/messages.pot is out of date: run `unionvote translations update`.", file=fresh)
        for language in languages():
            for problem in problems(language, scratch):
                print(problem, file=fresh)
        print(fresh.getvalue() or "Every catalogue has every message.", end="" if fresh.getvalue() else "\n")
        return 1 if fresh.getvalue() else 0
    return 0


def _ids(pot: Path) -> set[tuple[str | tuple[str, ...], str | None]]:
    with pot.open("rb") as source:
        return {(message.id, message.context) for message in read_po(source) if message.id}


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = sub.add_parser("translations", help="extract, update, compile and check the language catalogues")
    actions = group.add_subparsers(dest="translations_command", required=True)
    actions.add_parser("extract", help="collect every marked message into locale/messages.pot")
    actions.add_parser("update", help="extract, then bring every language's catalogue up to date")
    init = actions.add_parser("init", help="start the catalogue of a new language")
    init.add_argument("language", help="a language code, e.g. ga or ur")
    actions.add_parser("compile", help="write the compiled .mo files")
    actions.add_parser("check", help="list missing, fuzzy or broken translations; exit 1 if any")
    group.set_defaults(func=cmd_translations)




# Attributes whose values people read or hear (a screen reader says aria-label and alt aloud).
_READ_ATTRIBUTES = re.compile(r'\b(?:aria-label|title|alt|placeholder|aria-description)\s*=\s*"([^"{]*)"')
_TAG = re.compile(r"<[^>]*>", re.S)
_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
NOT_TRANSLATED = {"unionvote", "UTC"}  # the product's name; the time zone, written so in every language


def unmarked_text(source: str) -> list[tuple[int, str]]:
    """Text of a template a reader would see that is not inside a translation marker: (line, text).

    Looks at the page's own text, the attributes read aloud (aria-label, title, alt, placeholder), and the
    prose strings handed to macros inside {{ }} and {% %} (a label, a hint), which must be wrapped in _().
    """
    from jinja2 import Environment

    environment = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    found: list[tuple[int, str]] = []
    html = _HtmlState()
    in_trans, expect_name = False, False
    calls: list[str] = []  # the functions whose parentheses we are inside, innermost last
    last_name = ""
    for line, kind, value in environment.lex(source):
        if kind == "whitespace":
            continue
        if kind == "block_begin":
            expect_name = True
            continue
        if expect_name and kind == "name":
            in_trans = value in ("trans", "pluralize") or (in_trans and value != "endtrans")
        expect_name = False
        if kind in ("variable_begin", "block_begin"):
            calls = []
        if kind == "operator" and value == "(":
            calls.append(last_name)
        elif kind == "operator" and value == ")" and calls:
            calls.pop()
        last_name = value if kind == "name" else ""
        if kind == "string":
            text = value[1:-1]
            marked = any(call in TRANSLATING for call in calls)
            if not marked and not in_trans and _PROSE.search(text) and text not in NOT_TRANSLATED:
                found.append((line, text[:80]))
            continue
        if kind != "data":
            if kind == "variable_begin" and not html.inside_tag:
                html.text.append(" ")
            continue
        for text in html.feed(value):
            text = _ATTRIBUTE_FRAGMENT.sub(" ", text)  # e.g. ` aria-describedby="` written by a macro
            if _LIVE_TOPIC.match(text):
                continue  # `conference:{{ id }}` in a live_topics block: a name for machines
            words = [word for word in _WORDS.findall(text.replace("&nbsp;", " ")) if word not in NOT_TRANSLATED]
            if words and not in_trans:
                found.append((line, " ".join(text.split())[:80]))
    return found


_ATTRIBUTE_FRAGMENT = re.compile(r'\s[\w:-]+="[^"<>]*"?')
_LIVE_TOPIC = re.compile(r"^\s*,?(?:[a-z_]+:[^\s,]*,?)+\s*$")
TRANSLATING = {"_", "gettext", "ngettext", "pgettext"}
# A string literal people read: words with a space between, or a capitalised word ("Password").
_PROSE = re.compile(r"[A-Za-z]{2,}[^{}]* [A-Za-z]{2,}|^[A-Z][a-z]+[.:?!]?$")


class _HtmlState:
    """Just enough of an HTML reader to tell text and read-aloud attributes from markup, across tokens."""

    def __init__(self) -> None:
        self.inside_tag, self.quote, self.tag, self.text = False, "", [], []  # type: ignore[var-annotated]
        self.skipping = ""  # inside <script> or <style>

    def feed(self, data: str) -> list[str]:
        visible: list[str] = []
        for char in data:
            if self.inside_tag:
                if self.quote:
                    self.quote = "" if char == self.quote else self.quote
                elif char in "\"'":
                    self.quote = char
                elif char == ">":
                    self.inside_tag = False
                    visible += self._close_tag("".join(self.tag))
                    self.tag = []
                    continue
                self.tag.append(char)
            elif char == "<":
                self.inside_tag = True
                if not self.skipping:
                    visible.append("".join(self.text))
                self.text = []
            else:
                self.text.append(char)
        if not self.inside_tag and not self.skipping:
            visible.append("".join(self.text))
            self.text = []
        return [text for text in visible if text.strip()]

    def _close_tag(self, tag: str) -> list[str]:
        name = tag.split(None, 1)[0].lower() if tag.strip() else ""
        if name in ("script", "style"):
            self.skipping = name
        elif name in ("/script", "/style"):
            self.skipping = ""
        return [m.group(1) for m in _READ_ATTRIBUTES.finditer(tag)]
