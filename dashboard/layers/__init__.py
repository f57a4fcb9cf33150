"""The layer registry: every module of this package that defines a `LAYER` is a map layer.

Adding a layer is adding a module here (and its strings); everything else iterates over `LAYERS`. The
modules are imported on first use of the registry, so a layer module may use any part of the core.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Iterator, MutableMapping

from dashboard.layers.base import Layer, PanelKind, Summary, Tile, TrendLine

__all__ = [
    "LAYERS",
    "Layer",
    "PanelKind",
    "Summary",
    "Tile",
    "TrendLine",
    "criteria_layer",
    "register",
    "shading_layer",
    "unregister",
]


class Registry(MutableMapping[str, Layer]):
    """The layers by name, in their `order`; the package's layer modules are found and imported on first use."""

    def __init__(self, package: str) -> None:
        self._package = package
        self._layers: dict[str, Layer] = {}
        self._found = False
        self._lock = threading.RLock()

    def _layers_now(self) -> dict[str, Layer]:
        if not self._found:
            with self._lock:
                if not self._found:
                    self._found = True  # first, so that a layer module reading the registry does not recurse
                    self._find()
        return self._layers

    def _find(self) -> None:
        package = importlib.import_module(self._package)
        for info in pkgutil.iter_modules(package.__path__):
            if info.name == "base" or info.name.startswith("_"):
                continue
            layer = getattr(importlib.import_module(f"{self._package}.{info.name}"), "LAYER", None)
            if isinstance(layer, Layer):
                self.add(layer)

    def add(self, layer: Layer) -> None:
        """Register `layer` (a layer defined elsewhere, e.g. by a deployment's own package)."""
        with self._lock:
            if layer.name in self._layers and self._layers[layer.name] is not layer:
                raise ValueError(f"two layers are named {layer.name!r}")
            merged = {**self._layers, layer.name: layer}
            self._layers = dict(sorted(merged.items(), key=lambda item: (item[1].order, item[0])))

    def remove(self, name: str) -> None:
        with self._lock:
            self._layers = {key: layer for key, layer in self._layers.items() if key != name}

    def __setitem__(self, name: str, layer: Layer) -> None:
        """Replace (or add) the layer of that name, e.g. a deployment's variant of a shipped layer."""
        if name != layer.name:
            raise ValueError(f"layer {layer.name!r} registered as {name!r}")
        self._layers_now()
        self.remove(name)
        self.add(layer)

    def __delitem__(self, name: str) -> None:
        if name not in self._layers_now():
            raise KeyError(name)
        self.remove(name)

    def __getitem__(self, name: str) -> Layer:
        return self._layers_now()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._layers_now())

    def __len__(self) -> int:
        return len(self._layers_now())

    def __contains__(self, name: object) -> bool:
        return name in self._layers_now()


LAYERS = Registry(__name__)


def criteria_layer() -> str | None:
    """The layer the managers' status, category and time-window filters describe, if any (Layer.criteria)."""
    return next((name for name, layer in LAYERS.items() if layer.criteria), None)


def shading_layer() -> str | None:
    """The layer whose open records per area shade the managers' map, if any (Layer.shades_areas)."""
    return next((name for name, layer in LAYERS.items() if layer.shades_areas), None)


def register(layer: Layer) -> Layer:
    """Add a layer to the registry (its own module in this package is found without this)."""
    LAYERS._layers_now()
    LAYERS.add(layer)
    return layer


def unregister(name: str) -> None:
    """Take a layer out of the registry (for a deployment that does not run it, and for tests)."""
    LAYERS._layers_now()
    LAYERS.remove(name)
