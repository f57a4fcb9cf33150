"""The gettext catalogues: complete in both languages, placeholders alike, one domain per key, every key used exists."""

from __future__ import annotations

import ast
from pathlib import Path
from string import Formatter

import pytest

from dashboard.i18n import LANGUAGES, LOCALE_DIR, MESSAGES, CatalogueError, load_messages, t

ROOT = Path(__file__).resolve().parent.parent
CODE = [
    ROOT / "app.py",
    *(ROOT / "dashboard").rglob("*.py"),
    *(ROOT / "layouts").rglob("*.py"),
    *(ROOT / "callbacks").rglob("*.py"),
]
# Functions whose first argument is a message key.
KEY_TAKERS = {"t", "at_moment"}


def _placeholders(text: str) -> set[str]:
    return {field for _literal, field, _spec, _conversion in Formatter().parse(text) if field is not None}


def _write_po(path: Path, lang: str, entries: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f'\nmsgid "{key}"\nmsgstr "{text}"\n' for key, text in entries.items())
    header = f'msgid ""\nmsgstr ""\n"Language: {lang}\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    path.write_text(header + body, encoding="utf-8")


def _literal_keys(node: ast.expr) -> list[str]:
    """The message keys a call's first argument names literally: a string, or either side of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literal_keys(node.body) + _literal_keys(node.orelse)
    return []


def _keys_used_in_code() -> dict[str, str]:
    """Every key passed literally to t() or at_moment() in the application's code, with where it is used."""
    used = {}
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in KEY_TAKERS:
                for key in _literal_keys(node.args[0]):
                    used[key] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return used


def test_every_language_has_the_same_domains_one_per_layer_with_strings_and_cityops():
    domains = {lang: {path.stem for path in (LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")} for lang in LANGUAGES}
    assert domains["fr"] == domains["en"] >= {"cityops", "parking", "energy", "reports", "nacelles", "bikes"}


def test_every_message_has_a_french_and_an_english_text():
    assert len(MESSAGES) > 250
    missing = {key: sorted(texts) for key, texts in MESSAGES.items() if set(texts) != set(LANGUAGES)}
    empty = [(key, lang) for key, texts in MESSAGES.items() for lang, text in texts.items() if not text.strip()]
    assert missing == {} and empty == []


def test_both_languages_use_the_same_placeholders():
    different = {
        key: {lang: sorted(_placeholders(text)) for lang, text in texts.items()}
        for key, texts in MESSAGES.items()
        if _placeholders(texts["fr"]) != _placeholders(texts["en"])
    }
    assert different == {}


def test_every_key_the_code_names_is_in_the_catalogues():
    used = _keys_used_in_code()
    assert len(used) > 100  # the scan does find the code's calls
    assert {key: where for key, where in used.items() if key not in MESSAGES} == {}


def test_a_new_domain_is_found_without_being_listed(tmp_path):
    for lang in LANGUAGES:
        _write_po(tmp_path / lang / "LC_MESSAGES" / "cityops.po", lang, {"app.layers": f"layers ({lang})"})
        _write_po(tmp_path / lang / "LC_MESSAGES" / "trams.po", lang, {"trams.kpi": f"trams ({lang})"})
    assert load_messages(tmp_path) == {
        "app.layers": {"fr": "layers (fr)", "en": "layers (en)"},
        "trams.kpi": {"fr": "trams (fr)", "en": "trams (en)"},
    }


@pytest.mark.parametrize("second", [("fr", "parking.po"), ("en", "parking.po")])
def test_a_key_defined_in_two_domains_is_refused_naming_both_files(tmp_path, second):
    for lang in LANGUAGES:
        _write_po(tmp_path / lang / "LC_MESSAGES" / "cityops.po", lang, {"kpi.free_spaces": "Places libres"})
    lang, name = second
    _write_po(tmp_path / lang / "LC_MESSAGES" / name, lang, {"kpi.free_spaces": "Places libres"})
    with pytest.raises(CatalogueError) as refused:
        load_messages(tmp_path)
    message = str(refused.value)
    assert "kpi.free_spaces" in message
    assert str(tmp_path / "fr" / "LC_MESSAGES" / "cityops.po") in message
    assert str(tmp_path / lang / "LC_MESSAGES" / name) in message


def test_a_language_without_catalogue_is_refused(tmp_path):
    _write_po(tmp_path / "fr" / "LC_MESSAGES" / "cityops.po", "fr", {"app.layers": "Couches"})
    with pytest.raises(CatalogueError, match="no message catalogue"):
        load_messages(tmp_path)


def test_an_entry_awaiting_review_is_left_out(tmp_path):
    for lang in LANGUAGES:
        _write_po(tmp_path / lang / "LC_MESSAGES" / "cityops.po", lang, {"app.layers": "Couches"})
    path = tmp_path / "en" / "LC_MESSAGES" / "cityops.po"
    path.write_text(path.read_text(encoding="utf-8").replace('\nmsgid "app.layers"', '\n#, fuzzy\nmsgid "app.layers"'))
    assert load_messages(tmp_path) == {"app.layers": {"fr": "Couches"}}


def test_t_formats_in_the_language_and_refuses_an_unknown_key():
    assert t("app.updated", "fr", time="12:00") == "Mis à jour 12:00"
    assert t("app.updated", "en", time="12:00") == "Updated 12:00"
    assert t("tables.count", "fr", count="1\u202f234") == "1\u202f234 lignes (filtres de la page)"
    with pytest.raises(KeyError):
        t("no.such.key", "fr")
