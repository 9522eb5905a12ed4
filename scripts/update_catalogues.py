"""Update the site's translation catalogues after a string in a template or in the page code changed.

    .venv/bin/python scripts/update_catalogues.py

Extracts every message id (socialgit.i18n.extract_messages: the theme's templates, the page
builders, the insights' sentences and charts, and the locale's own date words) into
socialgit/locale/socialgit.pot and merges it
into each language's catalogue. A new id gets its own text in English and an empty
translation elsewhere, which tests/test_i18n.py names until someone translates it; an id no
longer used is dropped. Nothing needs compiling: socialgit compiles a catalogue when it loads it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from socialgit import __version__, i18n  # noqa: E402  (the project folder first, so the working copy is used)

WIDTH = 100


def catalogue_path(language: str) -> Path:
    return i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


HEADER = """\
# {language} messages of the socialgit site (the calendar's pages and their dates).
# Update with scripts/update_catalogues.py; the ids are the English text.
#"""


def update(language: str) -> list[str]:
    """Merge the extracted ids into the language's catalogue; return the ids it still lacks."""
    template = i18n.extract_messages()  # fresh each time: merging hands its message objects over
    path = catalogue_path(language)
    if path.is_file():
        with path.open("rb") as source:
            catalog = read_po(source, locale=language, domain=i18n.DOMAIN)
    else:
        catalog = Catalog(locale=language, domain=i18n.DOMAIN, project="socialgit", fuzzy=False,
                          header_comment=HEADER.format(language={"en": "English", "fa": "Persian"}[language]),
                          copyright_holder="the socialgit authors", version=__version__,
                          last_translator="the socialgit authors")
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        if language == "en" and not any(message.string if isinstance(message.string, tuple) else [message.string]):
            # English ids are the English text: the catalogue starts as itself, for a team to reword
            message.string = message.id if not message.pluralizable else tuple(message.id)
        if not (all(message.string) if isinstance(message.string, tuple) else message.string):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=WIDTH, ignore_obsolete=True, include_previous=False, include_lineno=False)
    return missing


def main() -> int:
    template = i18n.extract_messages()
    i18n.LOCALE_DIR.mkdir(exist_ok=True)
    with (i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot").open("wb") as out:
        write_po(out, template, width=WIDTH, include_lineno=False, omit_header=True)
    status = 0
    for language in i18n.LANGUAGES:
        missing = update(language)
        path = catalogue_path(language)
        shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
        print(f"{shown}: {len(template)} messages, {len(missing)} to translate")
        for message in missing:
            print(f"  {message}")
        status = status or (1 if missing else 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
