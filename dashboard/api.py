"""HTTP API (Flask blueprint): health, layer list and each layer as GeoJSON, from the same models as the map."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import Blueprint, Response, redirect, request

from dashboard.areas import LEVELS, Geography, known_areas, merge_areas, unavailable_note
from dashboard.auth import current_manager
from dashboard.filters import apply_filters, parse_filters, raw_from_query, rejection_message
from dashboard.freshness import freshness
from dashboard.i18n import normalise_language, t
from dashboard.layers import LAYERS
from dashboard.models import PERSONAL_FIELDS, LayerOverview, Snapshot, record_to_dict
from dashboard.public import public_freshness, public_layer
from dashboard.public_files import ENCODINGS, PublicFiles
from dashboard.snapshots import SnapshotReader
from dashboard.source_report import sources_report
from dashboard.store import StoreUnavailable
from dashboard.tables import columns, csv_filename, csv_stream


class AppError(Exception):
    """An error with the HTTP status and message the client should get."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# The versions document is what every viewer polls: a CDN answers it for a few seconds, then revalidates.
VERSIONS_MAX_AGE = 5
# A versioned public file never changes: any cache may keep it for a year without asking again.
IMMUTABLE_SECONDS = 365 * 86400


def public_file_url(layer: str, version: int) -> str:
    """The immutable URL of one version of a public layer's file."""
    return f"/api/v1/public/layers/{layer}/{version}.geojson"


def _json(payload: Any, status: int = 200, content_type: str = "application/json") -> Response:
    return Response(orjson.dumps(payload), status=status, content_type=content_type)


def _public(response: Response, etag: str, max_age: float) -> Response:
    # Public and identical for every viewer: a CDN may serve it for one refresh interval, then revalidate.
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = int(max_age)
    response.vary.add("Accept-Encoding")
    return response


def _uncached(response: Response) -> Response:
    # No data yet (first start, or Redis lost its data): no cache, above all no CDN, may keep this for later.
    response.cache_control.no_store = True
    return response


def _not_yet(message: str) -> Response:
    """A 404 that no cache keeps: what is missing now may exist on the next request."""
    return _uncached(_json({"error": message, "status": 404}, status=404))


def _waiting_layer(name: str, lang: str) -> Response:
    """A layer without data: an empty FeatureCollection saying so, which no cache may keep."""
    body = {
        "type": "FeatureCollection",
        "layer": name,
        "version": None,
        "state": "waiting",
        "message": t("kpi.no_data", lang),
        "features": [],
    }
    return _uncached(_json(body, content_type="application/geo+json"))


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def snapshot_geojson(snapshot: Snapshot) -> dict[str, Any]:
    """A layer's snapshot as a GeoJSON FeatureCollection, with its version and provenance as members.

    Personal fields are left out: the endpoint is behind the managers' login, but a layer list does not need them.
    """
    features = []
    for record in snapshot.records:
        properties = {k: v for k, v in record_to_dict(record).items() if k not in PERSONAL_FIELDS}
        lon, lat = properties.pop("lon"), properties.pop("lat")
        features.append(
            {
                "type": "Feature",
                "id": properties["id"],
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": properties,
            }
        )
    return {
        "type": "FeatureCollection",
        "layer": snapshot.layer,
        "version": snapshot.version,
        "fetched_at": _iso(snapshot.fetched_at),
        "source": snapshot.source,
        "demo": snapshot.demo,
        "features": features,
    }


def _layer_health(item: LayerOverview, now: datetime, manager: bool) -> dict[str, Any]:
    """A layer's state and seconds since its last good fetch; for a manager, its source's (redacted) details too."""
    status = item.status
    last_success = status.last_success if status else None
    public = {
        "state": status.state.value if status else "waiting",
        "age_seconds": round((now - last_success).total_seconds(), 1) if last_success else None,
    }
    if not manager:
        return public
    return {
        **public,
        "source": status.source if status else None,
        "last_success": _iso(last_success),
        "last_error": status.last_error if status else "",  # masked by the store
        "consecutive_failures": status.consecutive_failures if status else 0,
        "records_rejected": status.records_rejected if status else 0,
        "version": item.head.version if item.head else None,
    }


def create_api(snapshots: SnapshotReader, geography: Geography) -> Blueprint:
    """The API blueprint, reading only through `snapshots` and its store; `geography` lists the areas (or why not)."""
    api = Blueprint("api", __name__)
    store = snapshots.store
    files = PublicFiles(snapshots)

    @api.errorhandler(AppError)
    def _app_error(err: AppError) -> Response:
        return _json({"error": err.message, "status": err.status}, status=err.status)

    @api.errorhandler(StoreUnavailable)
    def _store_down(err: StoreUnavailable) -> Response:
        if current_manager() is None:  # the reason names hosts and ports: for managers only
            lang = normalise_language(request.args.get("lang"))
            return _json({"error": t("api.store_down", lang), "status": 503}, status=503)
        return _json({"error": store.redactor.text(str(err)), "status": 503}, status=503)

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]

    @api.route("/api/", defaults={"_rest": ""}, methods=methods)
    @api.route("/api/<path:_rest>", methods=methods)
    def unknown_api_path(_rest: str) -> Response:
        """Any other address under /api/: a JSON 404, not the managers' page that the Dash app serves elsewhere."""
        raise AppError(404, t("api.unknown_path", normalise_language(request.args.get("lang"))))

    @api.get("/healthz")
    def healthz() -> Response:
        """Each layer's state and data age for anyone; source names, errors and boundaries for managers only."""
        manager = current_manager() is not None
        try:
            overview = store.overview(LAYERS)
        except StoreUnavailable as err:
            body = {"status": "unavailable", "redis": "down"}
            return _json({**body, "error": store.redactor.text(str(err))} if manager else body, status=503)
        now = datetime.now(UTC)
        sources = {name: _layer_health(item, now, manager) for name, item in overview.items()}
        body: dict[str, Any] = {"status": "ok", "redis": "up", "sources": sources}
        if manager:
            levels = list(geography.areas)
            problem = store.redactor.text(geography.problem)
            body["boundaries"] = {"available": bool(levels), "levels": levels, "problem": problem}
        response = _json(body)
        response.cache_control.no_store = True  # a manager's answer differs: no cache may give it to anyone else
        return response

    @api.get("/api/v1/layers")
    def layers() -> Response:
        lang = normalise_language(request.args.get("lang"))
        now = datetime.now(UTC)
        overview = store.overview(LAYERS)
        items = []
        for name, layer in LAYERS.items():
            badge = freshness(layer, overview[name], now, lang)
            head = overview[name].head
            items.append(
                {
                    "name": name,
                    "title": {"fr": layer.title_fr, "en": layer.title_en},
                    "version": head.version if head else None,
                    "fetched_at": _iso(head.fetched_at) if head else None,
                    "source": head.source if head else None,
                    "demo": head.demo if head else None,
                    "state": badge.state,
                    "age": badge.age,
                    "freshness_budget_seconds": layer.freshness_seconds,
                    "summary": head.summary.to_stored() if head and head.summary else {},
                }
            )
        response = _json({"layers": items})
        return _uncached(response) if any(item.head is None for item in overview.values()) else response

    @api.get("/api/v1/sources")
    def sources() -> Response:
        """Every layer's source: format, redacted URL, state, last error, fetch facts, rejections by reason."""
        response = _json({"sources": sources_report(store.overview(LAYERS), datetime.now(UTC))})
        response.cache_control.no_store = True  # for managers only: no shared cache may keep it
        return response

    @api.get("/api/v1/layers/<name>")
    def layer(name: str) -> Response:
        lang = normalise_language(request.args.get("lang"))
        if name not in LAYERS:
            raise AppError(404, t("api.unknown_layer", lang, name=name[:64]))
        head = store.overview([name])[name].head
        if head is not None and request.if_none_match.contains(f"{name}-{head.version}"):
            # The viewer has this version: answer from the head without reading the records.
            response = Response(status=304)
            response.set_etag(f"{name}-{head.version}")
            return response
        snapshot = snapshots.snapshot(name, head.version) if head is not None else None
        if snapshot is None:
            return _waiting_layer(name, lang)
        response = _json(snapshot_geojson(snapshot), content_type="application/geo+json")
        response.set_etag(f"{name}-{snapshot.version}")
        return response.make_conditional(request)

    @api.get("/api/v1/layers/<name>/csv")
    def layer_csv(name: str) -> Response:
        """Every record of the layer passing the filters in the query (the page's own: `commune`, `quartier`,
        `status`, `category`, `window`), as a spreadsheet file sent while it is written."""
        lang = normalise_language(request.args.get("lang"))
        if name not in LAYERS:
            raise AppError(404, t("api.unknown_layer", lang, name=name[:64]))
        communes, quartiers = known_areas(geography)
        raw = raw_from_query(request.args.to_dict(flat=False))
        filters, rejected = parse_filters(raw, communes=communes, quartiers=quartiers)
        if rejected:
            raise AppError(400, rejection_message(rejected, lang))
        record_type = LAYERS[name].record_type
        head = store.overview([name])[name].head
        snapshot = snapshots.snapshot(name, head.version) if head is not None else None
        narrowed = filters.for_layer(record_type)
        records = apply_filters(snapshot.records, narrowed, snapshot.fetched_at) if snapshot is not None else []
        response = Response(csv_stream(records, columns(record_type, lang), lang), mimetype="text/csv")
        filename = csv_filename(name, snapshot.fetched_at if snapshot is not None else None)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.cache_control.private = True
        response.cache_control.no_store = True
        return response

    def _public_layer_or_404(name: str) -> None:
        if public_layer(name) is None:
            raise AppError(404, t("embed.not_public", normalise_language(request.args.get("lang")), name=name[:64]))

    @api.get("/api/v1/public/layers/<name>/<int:version>.geojson")
    def public_layer_file(name: str, version: int) -> Response:
        """One version of a public layer, immutable: built once for all workers, sent pre-compressed."""
        _public_layer_or_404(name)
        found = files.get(name, version)
        if found is None:  # replaced long ago, or not yet written: the versions document names the current one
            # That version may yet be written: no cache may remember the 404.
            return _not_yet(t("api.unknown_version", normalise_language(request.args.get("lang")), version=version))
        encoding = request.accept_encodings.best_match(ENCODINGS, default="identity")
        response = Response(found.bodies[encoding], content_type="application/geo+json")
        if encoding != "identity":
            response.content_encoding = encoding
        response.set_etag(found.etag(encoding))
        response.cache_control.public = True
        response.cache_control.max_age = IMMUTABLE_SECONDS
        response.cache_control.immutable = True
        response.vary.add("Accept-Encoding")
        return response.make_conditional(request)

    @api.get("/api/v1/public/layers/<name>")
    def public_layer_current(name: str) -> Response:
        """A redirect to the public layer's current file (its versioned, immutable URL)."""
        _public_layer_or_404(name)
        head = store.overview([name])[name].head
        if head is None:  # nothing written yet: no file, and nothing a cache should keep
            return _not_yet(t("api.no_data_yet", normalise_language(request.args.get("lang")), name=name))
        response = redirect(public_file_url(name, head.version), code=302)
        response.cache_control.public = True
        response.cache_control.max_age = VERSIONS_MAX_AGE
        return response

    @api.get("/api/v1/public/versions")
    def public_versions() -> Response:
        """Each public layer's version, file URL and freshness: the one document embeds poll."""
        lang = normalise_language(request.args.get("lang"))
        now = datetime.now(UTC)
        public = [name for name, layer in LAYERS.items() if layer.public]
        overview = store.overview(public)
        body = {}
        for name in public:
            state, line = public_freshness(LAYERS[name], overview[name], now, lang)
            head = overview[name].head
            # A URL named here exists, for as long as a viewer may take to ask for it. While the newest version's
            # file builds, the previous one is named, with its own version (the freshness is the newest's).
            built = files.current(name, head.version) if head else None
            body[name] = {
                "version": built.version if built else head.version if head else None,
                "url": public_file_url(name, built.version) if built else None,
                "state": state,
                "freshness": line,
                "fetched_at": _iso(head.fetched_at) if head else None,
                "freshness_budget_seconds": LAYERS[name].freshness_seconds,
            }
        if any(overview[name].head is None for name in public):
            return _uncached(_json({"layers": body}))
        etag = "public-versions-" + hashlib.sha256(orjson.dumps(body)).hexdigest()[:16]
        if request.if_none_match.contains(etag):
            return _public(Response(status=304), etag, VERSIONS_MAX_AGE)
        return _public(_json({"layers": body}), etag, VERSIONS_MAX_AGE)

    @api.get("/api/v1/areas")
    def areas() -> Response:
        lang = normalise_language(request.args.get("lang"))
        level = request.args.get("level", "commune")
        if level not in LEVELS:
            raise AppError(400, t("api.bad_level", lang, level=level[:32], levels=", ".join(LEVELS)))
        if level not in geography.areas:
            raise AppError(503, unavailable_note(geography, lang, level))
        # The collector computed each layer's figures per area with its snapshot: nothing is recomputed here.
        per_layer = store.areas(LAYERS)
        etag = f"areas-{level}-" + "-".join(str(version) for version, _totals in per_layer.values())
        if request.if_none_match.contains(etag):
            response = Response(status=304)
            response.set_etag(etag)
            return response
        body = {
            "level": level,
            "versions": {name: version or None for name, (version, _totals) in per_layer.items()},
            "areas": merge_areas(level, geography.areas[level], {n: totals for n, (_v, totals) in per_layer.items()}),
        }
        response = _json(body)
        response.set_etag(etag)
        return response

    return api
