"""One translation mechanism for every user-facing string: French by default, English available.

The strings live in gettext catalogues, `locale/<lang>/LC_MESSAGES/<domain>.po` beside this module: one
domain per map layer that has strings of its own (parking, energy, ...) and `cityops` for everything else.
Each msgid is the key the code passes to `t()`; the catalogues are read with Babel at import, no compile step.
Numbers and dates are formatted with Babel for the chosen language; times are shown in the city's zone.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

CITY_ZONE = ZoneInfo("Europe/Paris")
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

_LOCALES = {"fr": "fr_FR", "en": "en_GB"}

LOCALE_DIR = Path(__file__).parent / "locale"


class CatalogueError(ValueError):
    """A message catalogue that cannot be used as it is; the message names the file(s) to fix."""


def load_messages(locale_dir: Path) -> dict[str, dict[str, str]]:
    """Every message of every domain under `locale_dir/<lang>/LC_MESSAGES/<domain>.po`, as {key: {lang: text}}.

    Domains are discovered, not listed: a layer adds its strings by adding its own `<layer>.po` files.
    A key lives in exactly one domain; finding it in two is refused, naming both files. As with gettext's
    compiler, an entry marked fuzzy (needing review) is left out until a translator confirms it.
    """
    messages: dict[str, dict[str, str]] = {}
    defined_in: dict[str, Path] = {}  # key -> the catalogue file that defined it first (any language)
    for lang in LANGUAGES:
        paths = sorted((locale_dir / lang / "LC_MESSAGES").glob("*.po"))
        if not paths:
            raise CatalogueError(f"no message catalogue (*.po) in {locale_dir / lang / 'LC_MESSAGES'}")
        for path in paths:
            with path.open("rb") as po_file:
                catalogue = read_po(po_file, locale=lang, domain=path.stem)
            for message in catalogue:
                if not message.id or message.fuzzy:  # the header entry, or a translation awaiting review
                    continue
                key = str(message.id)
                first = defined_in.setdefault(key, path)
                if first.stem != path.stem:
                    raise CatalogueError(f"message {key!r} is defined in two domains: {first} and {path}")
                messages.setdefault(key, {})[lang] = str(message.string)
    return messages


# Read once at import: {key: {"fr": text, "en": text}}, the catalogue every t() call looks up.
MESSAGES: dict[str, dict[str, str]] = load_messages(LOCALE_DIR)


def normalise_language(value: str | None) -> str:
    """A supported language code from a user-supplied value (anything unknown falls back to French)."""
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str, **params: object) -> str:
    """The message `key` in `lang`, with `params` substituted."""
    text = MESSAGES[key].get(lang) or MESSAGES[key][DEFAULT_LANGUAGE]
    return text.format(**params) if params else text


def number(value: float, lang: str, digits: int = 0) -> str:
    """A number formatted for the language (thin spaces and commas in French)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_LOCALES[lang])


def percent(ratio: float, lang: str, signed: bool = False) -> str:
    """A ratio as a percentage for the language, optionally with an explicit sign."""
    text = format_percent(abs(ratio) if signed else ratio, format="#,##0 %", locale=_LOCALES[lang])
    if signed and text[0] != "0":  # no sign on a change that rounds to nothing ("−0 %")
        text = ("+" if ratio >= 0 else "−") + text
    return text


def city_date(moment: datetime, lang: str) -> str:
    """The day of a moment in Europe/Paris, e.g. '25/11/2026'."""
    return format_datetime(moment.astimezone(CITY_ZONE), "dd/MM/yyyy", locale=_LOCALES[lang])


def city_time(moment: datetime, lang: str, with_date: bool = False) -> str:
    """A moment shown in Europe/Paris, e.g. '14:05' or '25/11/2026 14:05'."""
    local = moment.astimezone(CITY_ZONE)
    pattern = "dd/MM/yyyy HH:mm" if with_date else "HH:mm:ss"
    return format_datetime(local, pattern, locale=_LOCALES[lang])


def at_moment(key: str, moment: datetime, lang: str) -> str:
    """Message `key` with `moment` in the city as its {day} (dd/MM), {time} (HH:mm) and {zone} (CET or CEST)."""
    local = moment.astimezone(CITY_ZONE)
    return t(key, lang, day=local.strftime("%d/%m"), time=local.strftime("%H:%M"), zone=zone_label(moment))


def zone_label(moment: datetime) -> str:
    """The city's zone abbreviation at `moment` (CET or CEST)."""
    return moment.astimezone(CITY_ZONE).tzname() or "Europe/Paris"


def age_in_words(seconds: float, lang: str) -> str:
    """How old something is, coarse enough to change rarely: 'à l'instant', 'il y a 3 min', ..."""
    if seconds < 60:
        return t("age.just_now", lang)
    if seconds < 3600:
        return t("age.minutes", lang, n=int(seconds // 60))
    if seconds < 86400:
        return t("age.hours", lang, n=int(seconds // 3600))
    return t("age.days", lang, n=int(seconds // 86400))
