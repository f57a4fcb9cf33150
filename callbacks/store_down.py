"""The callbacks' one policy when Redis cannot be read: keep what is on screen, or show what the callback says.

The page's banner already says that the data cannot be read, and since when (see callbacks.live); a callback
only decides what its own part of the page shows meanwhile. `when_store_down()` keeps it as it is (no update);
`when_store_down(fallback)` answers `fallback(*args)` instead, which may itself keep the screen as it is by
raising PreventUpdate (e.g. when the "unavailable" message is already shown).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from dash.exceptions import PreventUpdate

from dashboard.store import StoreUnavailable

Callback = TypeVar("Callback", bound=Callable[..., Any])


def when_store_down(fallback: Callable[..., Any] | None = None) -> Callable[[Callback], Callback]:
    """Decorate a callback: StoreUnavailable from it keeps the screen as it is, or answers `fallback(*args)`."""

    def decorate(callback: Callback) -> Callback:
        @functools.wraps(callback)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return callback(*args, **kwargs)
            except StoreUnavailable:
                if fallback is None:
                    raise PreventUpdate from None
                return fallback(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def keep_screen() -> Any:
    """For a fallback: leave this part of the page as it is."""
    raise PreventUpdate
