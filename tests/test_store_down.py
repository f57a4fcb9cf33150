"""The callbacks' one policy when Redis cannot be read (callbacks.store_down)."""

from __future__ import annotations

import pytest
from dash.exceptions import PreventUpdate

from callbacks.store_down import keep_screen, when_store_down
from dashboard.store import StoreUnavailable


def _reads(outcome):
    def callback(shown, lang):
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return callback


def test_a_store_that_answers_gives_the_callbacks_answer():
    assert when_store_down()(_reads("fresh"))("old", "fr") == "fresh"


def test_a_store_down_keeps_what_is_on_screen():
    with pytest.raises(PreventUpdate):
        when_store_down()(_reads(StoreUnavailable("Redis injoignable")))("old", "fr")


def test_a_fallback_gets_the_callbacks_arguments_and_may_keep_the_screen():
    def unavailable(shown, lang):
        if shown == "unavailable":
            keep_screen()
        return f"indisponible ({lang})"

    guarded = when_store_down(unavailable)(_reads(StoreUnavailable("Redis injoignable")))
    assert guarded("old", "fr") == "indisponible (fr)"
    with pytest.raises(PreventUpdate):
        guarded("unavailable", "fr")


def test_other_errors_are_not_hidden():
    with pytest.raises(ValueError):
        when_store_down(lambda *_: "never")(_reads(ValueError("a bug")))("old", "fr")


def test_the_callbacks_name_and_docstring_stay_for_dash():
    def refresh(_tick, shown, lang):
        """Re-sent only when it changed."""

    guarded = when_store_down()(refresh)
    assert guarded.__name__ == "refresh" and guarded.__doc__ == "Re-sent only when it changed."
