"""FIWARE NGSI-LD entities (OffStreetParking, ACMeasurement, SmartMeteringObservation), normalized or keyValues."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.sources.base import SourceError
from dashboard.sources.mapped import MappedFeed

PAGE_SIZE = 1000  # brokers commonly cap `limit` at 1,000


def key_values(entity: Any) -> Any:
    """An entity in keyValues form: each normalized attribute replaced by its plain value."""
    if not isinstance(entity, dict):
        return entity
    return {name: _plain(attribute) for name, attribute in entity.items()}


def _plain(attribute: Any) -> Any:
    """{"type": "Property", "value": v}, {"type": "Relationship", "object": o} and JSON-LD {"@value": v} unwrapped."""
    while isinstance(attribute, dict):
        if "@value" in attribute:
            attribute = attribute["@value"]
        elif "type" in attribute and ("value" in attribute or "object" in attribute):
            attribute = attribute.get("value", attribute.get("object"))
        else:
            break
    return attribute


class NgsiLdSource(MappedFeed):
    """Entities of one type from an NGSI-LD broker ({broker}/ngsi-ld/v1/entities?type=...) or a static export."""

    format = "ngsi-ld"

    def prepare(self, row: Any) -> Any:
        return key_values(row)

    def feed_rows(self, now: datetime) -> list[Any]:
        """Every entity, page after page, in either representation."""
        entities: list[Any] = []
        while True:
            page = self.client.get_json(self.url, {**self.params, "limit": PAGE_SIZE, "offset": len(entities)})
            if isinstance(page, dict):
                page = [page]  # a single entity, as some exports and the smart-data-model examples give
            if not isinstance(page, list):
                raise SourceError("réponse NGSI-LD inattendue : une liste d'entités était attendue")
            entities.extend(page)
            if len(page) < PAGE_SIZE:
                return entities
