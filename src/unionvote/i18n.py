"""Languages: which one a person reads, and the catalogues that put the pages into it.

Messages are marked in templates with Jinja's i18n extension (`{{ _("Vote") }}`,
`{% trans %}...{% endtrans %}`) and in Python with `_()`/`N_()` from here; `pybabel extract`
collects them (babel.cfg) into `locale/messages.pot`, translators work in
`locale/<lang>/LC_MESSAGES/messages.po` (docs/translating.md), and the catalogues are compiled
to `.mo` when the package is built (hatch_build.py) or, if a `.po` is newer than its `.mo`, in
memory when first needed, so a checkout always serves what its catalogues say.

The language of a request is chosen, in this order, by: the language switch (the `uv_lang`
cookie), the person's profile (their account page), a language other than English that the
browser asks for (Accept-Language), the default of the event the page belongs to (a conference,
member ballot or consultation: `follow_event_language`), and English (docs/translating.md says why).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import lru_cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any, TypeVar

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import LazyProxy, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"
# The languages offered, each named in itself (as a language switch should name them).
LANGUAGES: dict[str, str] = {"en": "English", "cy": "Cymraeg", "pl": "Polski"}
LANGUAGE_COOKIE = "uv_lang"
MACHINE_READ = "/api/"  # paths whose answers (errors included) stay in English for the programs that read them
# Test-only catalogues (a pseudo-language that marks every translated string, a right-to-left one)
# are registered here by the tests; they are never offered on a page.
PSEUDO_DIRECTIONS: dict[str, str] = {}
_current: ContextVar[str] = ContextVar("unionvote_language", default=SOURCE_LANGUAGE)
T = TypeVar("T")


def _catalogue_files(language: str) -> tuple[Path, Path]:
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    return folder / "messages.po", folder / "messages.mo"


@lru_cache(maxsize=16)
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of a language (English, the source, translates to itself)."""
    if language in _PSEUDO_CATALOGUES:
        return _PSEUDO_CATALOGUES[language]
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    po, mo = _catalogue_files(language)
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as compiled:
            return Translations(compiled, domain="messages")
    if po.exists():
        return Translations(io.BytesIO(compile_catalogue(po.read_bytes(), language)), domain="messages")
    return NullTranslations()


def compile_catalogue(po_bytes: bytes, language: str) -> bytes:
    """A .po catalogue compiled to .mo bytes (fuzzy entries are left out, as msgfmt does)."""
    catalogue = read_po(io.BytesIO(po_bytes), locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    return compiled.getvalue()


def current_language() -> str:
    return _current.get()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Everything translated inside the block is in `language` (e.g. an email to one member)."""
    token = _current.set(language if language in LANGUAGES or language in PSEUDO_DIRECTIONS else SOURCE_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def message_languages(profile: str | None = None, event_default: str | None = None,
                      bilingual: str | None = None) -> list[str]:
    """The languages of a message to one person (an email, a text, a letter), theirs first.

    Theirs is their profile's language, else the event's default, else English (a message has no browser to
    ask). An event set to bilingual adds the other language of the pair after it, as its pages show it beside:
    the event's second language after English, English after any other."""
    first = offered(profile) or offered(event_default) or SOURCE_LANGUAGE
    second = offered(bilingual)
    if second is None or second == SOURCE_LANGUAGE:
        return [first]
    other = second if first == SOURCE_LANGUAGE else SOURCE_LANGUAGE
    return [first] if other == first else [first, other]


def in_languages(languages: Iterable[str], render: Callable[[], T]) -> list[T]:
    """`render()` once in each language, translated as that reader reads (the parts of a bilingual email);
    the language of the moment (a request's) is left as it was."""
    parts = []
    for language in languages:
        with speaking(language):
            parts.append(render())
    return parts


def render_in(language: str, compiled: Any, **context: Any) -> str:
    """A compiled template rendered in `language` (a printed letter to one member), whatever the page's."""
    with speaking(language):
        return str(compiled.render(**context, message_language=language))


def use_language(language: str) -> None:
    """Sets the language for the rest of this request (the middleware calls it first)."""
    _current.set(language)


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(_current.get()).pgettext(context, message)


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - the conventional name for "marked, translated later"
    """Marks a message for extraction where it is defined; translate it with `_()` where it is shown."""
    return message


class TranslatedWords(Mapping[Any, str]):
    """A table of words marked with `N_()` (a state, a kind), read in the language of the moment.

    Pages get this; CSV and JSON exports read the table itself, so their values stay in English.
    """

    def __init__(self, words: Mapping[Any, str]) -> None:
        self.words = words

    def __getitem__(self, key: Any) -> str:
        return gettext(self.words[key])

    def __iter__(self) -> Iterator[Any]:
        return iter(self.words)

    def __len__(self) -> int:
        return len(self.words)


def lazy_gettext(message: str) -> Any:
    """A message translated when it is turned into text, in the language of that moment."""
    return LazyProxy(gettext, message, enable_cache=False)


def text_direction(language: str | None = None) -> str:
    """'rtl' or 'ltr', for the page's dir attribute."""
    language = language or _current.get()
    if language in PSEUDO_DIRECTIONS:
        return PSEUDO_DIRECTIONS[language]
    return "rtl" if _babel_locale(language).character_order == "right-to-left" else "ltr"


def _babel_locale(language: str | None = None) -> Locale:
    return _locale_of(language or _current.get())


@lru_cache(maxsize=64)
def _locale_of(language: str) -> Locale:
    """Parsed once per language: parsing takes Babel's data lock every time, on every number and date shown."""
    try:
        return Locale.parse("en_GB" if language == SOURCE_LANGUAGE else language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE_LANGUAGE)


def format_number(value: Any) -> str:
    """A number as the reader's language writes it (1,234 in English; 1 234 in Polish)."""
    return format_decimal(value, locale=_babel_locale())


def format_tenths_percent(tenths: int) -> str:
    """A percentage given in tenths (123 → 12.3%) as the reader's language writes it: 12.3% / 12,3%.
    Exact: the tenths are already rounded, so Babel only writes them."""
    return format_percent(Decimal(tenths) / 1000, format="0.0%", locale=_babel_locale())


def format_when(value: Any, form: str = "d MMM y, HH:mm") -> str:
    """A date and time as the reader's language writes it: 4 Dec 2026, 19:20 / 4 Rhag 2026 / 4 gru 2026.

    The value keeps its own time zone (the pages say which); `form` is a CLDR date pattern.
    """
    return format_datetime(value, format=form, locale=_babel_locale())


def format_day(value: Any, year: bool = True) -> str:
    """A day as the reader's language writes it: Tue 4 May 2027 / Maw 4 Mai 2027 / wt., 4 maj 2027."""
    return format_datetime(value, format="EEE d MMM y" if year else "EEE d MMM", locale=_babel_locale())


def parse_accept_language(header: str) -> list[str]:
    """The languages a browser asks for, most wanted first (RFC 9110 section 12.5.4)."""
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            wanted.append((-quality, position, tag))
    return [tag for _q, _p, tag in sorted(wanted)]


def offered(tag: str | None) -> str | None:
    """The offered language a tag names ('pl-PL' → 'pl'), or None."""
    if not tag:
        return None
    primary = tag.strip().lower().split("-")[0].split("_")[0]
    return primary if primary in LANGUAGES else None


def choose_language(*, chosen: str | None = None, profile: str | None = None,
                    accept_language: str = "", event_default: str | None = None) -> str:
    """The language of a page: what the person chose (switch, then profile), a browser asking for a language
    other than English, the event's default, English. A browser asking for English comes after the event's
    default: most phones in Britain ask for English because that is how they were sold, while a browser
    set to Polish says something about its owner, and so does a union that set its event to Welsh."""
    for preference in (chosen, profile):
        if offered(preference):
            return offered(preference)  # type: ignore[return-value]
    browser = [offered(tag) for tag in parse_accept_language(accept_language)]
    first = next((language for language in browser if language), None)
    if first and first != SOURCE_LANGUAGE:
        return first
    return offered(event_default) or first or SOURCE_LANGUAGE


def follow_event_language(request: Any, event_default: str | None) -> str:
    """A page of an event: its default language applies as `choose_language` says (not over a person's own
    choice, nor over a browser asking for another language than English).

    Called by the event's pages before rendering; returns the language the page is in."""
    state = request.scope.setdefault("state", {})
    if not state.get("language_chosen") and offered(event_default):
        state["language"] = choose_language(accept_language=state.get("accept_language", ""),
                                            event_default=event_default)
        _current.set(state["language"])
    return str(state.get("language") or _current.get())


def template_callables() -> dict[str, Callable[..., Any]]:
    """What every template may call: the current language, its direction and the offered list; and the words a
    page's script shows, in the reader's language (unionvote.script_words)."""
    from unionvote.script_words import script_words  # its words are marked with this module's N_

    return {"script_words": script_words,
            "current_language": current_language, "text_direction": text_direction, "translated": gettext,
            "languages": lambda: LANGUAGES, "format_number": format_number, "format_when": format_when,
            "format_day": format_day}


def register_pseudo_language(code: str, catalogue: NullTranslations, direction: str = "ltr") -> None:
    """For tests only: a catalogue that is never offered on a page (pseudo-English, right-to-left)."""
    PSEUDO_DIRECTIONS[code] = direction
    _PSEUDO_CATALOGUES[code] = catalogue


_PSEUDO_CATALOGUES: dict[str, NullTranslations] = {}


def _cookie(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    for key, value in headers:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie_name, _eq, cookie_value = part.strip().partition("=")
                if cookie_name == name:
                    return cookie_value
    return None


def choose_for_scope(scope: Any) -> dict[str, Any]:
    """A request's language (see `choose_language`), kept in its scope's state, which is returned.

    The middleware calls it first; an error raised before any middleware runs (a path no route matches,
    a method a route does not take) calls it too, so its page is in the reader's language."""
    headers = scope.get("headers", [])
    chosen = _cookie(headers, LANGUAGE_COOKIE)
    profile = getattr(scope.get("user"), "language", None)
    accept = next((value.decode("latin-1") for key, value in headers if key == b"accept-language"), "")
    machine = scope["type"] == "http" and str(scope.get("path", "")).startswith(MACHINE_READ)
    if machine:  # the JSON API answers in English, whoever calls: programs read it (docs/translating.md)
        language = SOURCE_LANGUAGE
    elif chosen in PSEUDO_DIRECTIONS:
        language = chosen
    else:
        language = choose_language(chosen=chosen, profile=profile, accept_language=accept)
    state = scope.setdefault("state", {})
    state["language"] = language
    state["language_chosen"] = bool(machine or offered(chosen) or offered(profile) or chosen in PSEUDO_DIRECTIONS)
    state["accept_language"] = accept
    return state  # type: ignore[no-any-return]


class LanguageMiddleware:
    """Chooses the language of each request (see `choose_language`) and says it in Content-Language."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = choose_for_scope(scope)
        token = _current.set(state["language"])

        async def say_language(message: Any) -> None:
            if message["type"] == "http.response.start":  # an event's page may have changed it meanwhile
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"content-language", str(state["language"]).encode())]
            await send(message)

        try:
            await self.app(scope, receive, say_language if scope["type"] == "http" else send)
        finally:
            _current.reset(token)


def install_in_templates(engine: Any) -> None:
    """Litestar's engine callback: Jinja's i18n extension, translating in the request's language.

    `_("...")` in a template formats its keyword arguments into the message; for a message that is
    already text (an error's detail, a notice) use `translated(text)`, which never formats, so a `%`
    in it is safe.
    """
    environment = engine.engine
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext)
    environment.globals.update(template_callables())
