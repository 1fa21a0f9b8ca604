"""Texts staff write in more than one language: a ballot's question and answers, a motion's title, a
consultation's question, a member ballot's title and the words of its email.

Each row keeps its English (source) text where it always was, and beside it one `translations`
column: canonical JSON, `{"cy": {"text": "...", "options": {"yes": "Ie", "no": "Na"}}, "pl": {...}}`,
a language's entry holding only the fields translated. Exports, the audit chain and every stable
key keep reading the source columns, so nothing a verifier hashes changes.

An event (conference, member ballot, consultation) may be bilingual: `bilingual_language` names the
language shown beside English on one page, as Welsh public bodies publish. A reader then sees the text
in their own language first and the other one of the pair beside it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from unionvote.i18n import LANGUAGES, SOURCE_LANGUAGE, _

Translations = dict[str, dict[str, Any]]


def translated_languages() -> list[str]:
    """The languages a text may be given in beside English (the source)."""
    return [code for code in LANGUAGES if code != SOURCE_LANGUAGE]


def read(raw: str | None) -> Translations:
    """A row's translations (an unreadable or missing column reads as none)."""
    if not raw:
        return {}
    try:
        found = json.loads(raw)
    except ValueError:
        return {}
    return {k: v for k, v in found.items() if k in LANGUAGES and isinstance(v, dict)} if isinstance(found, dict) else {}


def dump(translations: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Canonical JSON for the column (sorted keys, no empty entries), or None when nothing is translated."""
    kept = {lang: dict(fields) for lang, fields in translations.items() if fields}
    return json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False) if kept else None


@dataclass(frozen=True)
class Wording:
    """A text as a reader sees it: in `lang`, with the other language of a bilingual event `beside` it."""

    text: str
    lang: str
    beside: str | None = None
    beside_lang: str | None = None


def _in(source: str, translations: Translations, field: str, language: str, key: str | None) -> tuple[str, str]:
    entry = translations.get(language, {}).get(field) if language != SOURCE_LANGUAGE else None
    if isinstance(entry, dict):
        entry = entry.get(key or "")
    return (entry, language) if isinstance(entry, str) and entry.strip() else (source, SOURCE_LANGUAGE)


def wording(source: str, translations: Translations, field: str, *, language: str, bilingual: str | None,
            key: str | None = None) -> Wording:
    """`field` of a row in the reader's `language` (English when not translated into it); on a bilingual
    event, the other language of the pair beside it (English beside Welsh, Welsh beside English or Polish)."""
    text, shown = _in(source, translations, field, language, key)
    if not bilingual or bilingual == SOURCE_LANGUAGE:
        return Wording(text, shown)
    other, other_lang = _in(source, translations, field, bilingual if shown == SOURCE_LANGUAGE else SOURCE_LANGUAGE,
                            key)
    if other_lang == shown or other == text:
        return Wording(text, shown)
    return Wording(text, shown, other, other_lang)


class TranslationProblem(ValueError):
    """What is wrong with the translations typed into a form, in words staff can act on."""


def text_field(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def from_form(form: Any, prefix: str, fields: Mapping[str, int], *, what: str) -> Translations:
    """The translations of `fields` (name: longest allowed) typed as `<prefix>_<field>_<lang>`.

    Raises TranslationProblem naming the text and the language when one is too long."""
    found: Translations = {}
    for language in translated_languages():
        for field, limit in fields.items():
            text = text_field(form, f"{prefix}_{field}_{language}")
            if len(text) > limit:
                raise TranslationProblem(_("%(what)s in %(language)s is %(length)d characters long; keep it to "
                                           "%(limit)d.") % {"what": what, "language": LANGUAGES[language],
                                                             "length": len(text), "limit": limit})
            if text:
                found.setdefault(language, {})[field] = text
    return found


def labels_from_form(form: Any, name: str, keys: Sequence[str], *, what: str, limit: int = 200
                     ) -> dict[str, dict[str, str]]:
    """The answers' labels in each language, one a line in the answers' order, keyed by the answers' keys.

    Raises TranslationProblem when a language gives a different number of answers than there are."""
    found: dict[str, dict[str, str]] = {}
    for language in translated_languages():
        lines = [line.strip() for line in text_field(form, f"{name}_{language}").splitlines() if line.strip()]
        if not lines:
            continue
        if len(lines) != len(keys):
            raise TranslationProblem(_("%(what)s in %(language)s: give one answer a line, %(count)d in all and in "
                                       "the same order as in English (%(given)d given).")
                                     % {"what": what, "language": LANGUAGES[language], "count": len(keys),
                                        "given": len(lines)})
        if len(set(lines)) != len(lines):
            raise TranslationProblem(_("%(what)s in %(language)s: two answers read the same; make each one "
                                       "different.") % {"what": what, "language": LANGUAGES[language]})
        if any(len(line) > limit for line in lines):
            raise TranslationProblem(_("%(what)s in %(language)s: keep each answer to %(limit)d characters.")
                                     % {"what": what, "language": LANGUAGES[language], "limit": limit})
        found[language] = dict(zip(keys, lines, strict=True))
    return found


def check_event_languages(language: str, bilingual: str) -> tuple[str | None, str | None]:
    """An event's default language and bilingual language as chosen on its settings page ("" for none)."""
    if language and language not in LANGUAGES:
        raise TranslationProblem(_("Choose the event's language from the list, or \"As each reader's browser asks\"."))
    if bilingual and (bilingual not in LANGUAGES or bilingual == SOURCE_LANGUAGE):
        raise TranslationProblem(_("Choose the language to show beside English from the list, or \"English "
                                   "only\"."))
    return language or None, bilingual or None
