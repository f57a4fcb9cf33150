"""One translation mechanism for every user-facing string: French by default, English available.

Numbers and dates are formatted with Babel for the chosen language; times are shown in the city's zone.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent

CITY_ZONE = ZoneInfo("Europe/Paris")
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

_LOCALES = {"fr": "fr_FR", "en": "en_GB"}

MESSAGES: dict[str, dict[str, str]] = {
    "app.title": {
        "fr": "Toulouse Métropole — tableau de bord des opérations",
        "en": "Toulouse Métropole — operations dashboard",
    },
    "app.demo": {"fr": "données de démonstration", "en": "demonstration data"},
    "app.times_in": {"fr": "Heures de Paris ({zone})", "en": "Paris time ({zone})"},
    "app.language": {"fr": "English", "en": "Français"},
    "app.updated": {"fr": "Mis à jour {time}", "en": "Updated {time}"},
    "app.layers": {"fr": "Couches", "en": "Layers"},
    "app.map_label": {"fr": "Carte des couches en direct", "en": "Map of the live layers"},
    "kpi.free_spaces": {"fr": "Places libres", "en": "Free spaces"},
    "kpi.free_spaces_detail": {
        "fr": "sur {capacity} places, {sites} parkings",
        "en": "of {capacity} spaces, {sites} car parks",
    },
    "kpi.open_reports": {"fr": "Signalements ouverts", "en": "Open reports"},
    "kpi.open_reports_detail": {
        "fr": "{new} nouveaux, {in_progress} en cours",
        "en": "{new} new, {in_progress} in progress",
    },
    "kpi.energy": {"fr": "Puissance appelée", "en": "Power drawn"},
    "kpi.energy_detail": {
        "fr": "{delta} par rapport à l'habituel ({typical})",
        "en": "{delta} against typical ({typical})",
    },
    "kpi.nacelles": {"fr": "Nacelles ouvertes", "en": "Nacelles open"},
    "kpi.nacelles_detail": {"fr": "sur {count}, {in_transit} en déplacement", "en": "of {count}, {in_transit} moving"},
    "kpi.no_data": {"fr": "pas encore de données", "en": "no data yet"},
    "state.ok": {"fr": "à jour", "en": "up to date"},
    "state.degraded": {"fr": "dégradé", "en": "degraded"},
    "state.down": {"fr": "hors service", "en": "down"},
    "state.stale": {"fr": "données anciennes", "en": "stale data"},
    "state.stale_detail": {"fr": "dernières données du {time}", "en": "last data from {time}"},
    "state.waiting": {"fr": "en attente de données", "en": "waiting for data"},
    "age.just_now": {"fr": "à l'instant", "en": "just now"},
    "age.minutes": {"fr": "il y a {n} min", "en": "{n} min ago"},
    "age.hours": {"fr": "il y a {n} h", "en": "{n} h ago"},
    "age.days": {"fr": "il y a {n} j", "en": "{n} d ago"},
    "badge.tooltip": {
        "fr": "{title} : {state}. Données du {time}. Source : {source}.",
        "en": "{title}: {state}. Data from {time}. Source: {source}.",
    },
    "badge.failing": {
        "fr": "En échec depuis {since} ({failures} essais) : {error}",
        "en": "Failing since {since} ({failures} tries): {error}",
    },
    "badge.rejected": {
        "fr": "{n} enregistrements rejetés, ex. : {sample}",
        "en": "{n} records rejected, e.g.: {sample}",
    },
    "banner.store_down": {
        "fr": "Connexion au cache perdue depuis {time} : dernières données affichées.",
        "en": "Connection to the cache lost since {time}: showing the last data.",
    },
    "banner.sources": {"fr": "Sources en difficulté : {layers}", "en": "Sources in trouble: {layers}"},
    "banner.source": {
        "fr": "{title} {state} depuis {since} ({problem})",
        "en": "{title} {state} since {since} ({problem})",
    },
    "parking.occupancy": {"fr": "Occupation", "en": "Occupancy"},
    "parking.hover": {
        "fr": "{name}<br>{free} places libres sur {capacity}<br>occupation {occupancy}",
        "en": "{name}<br>{free} free of {capacity}<br>occupancy {occupancy}",
    },
    "energy.hover": {
        "fr": "{name}<br>{power} (habituel {typical})<br>{delta}",
        "en": "{name}<br>{power} (typical {typical})<br>{delta}",
    },
    "energy.legend": {"fr": "Énergie (taille : puissance)", "en": "Energy (size: power)"},
    "report.hover": {
        "fr": "{category}<br>{status}<br>ouvert le {opened}",
        "en": "{category}<br>{status}<br>opened {opened}",
    },
    "report.new": {"fr": "Nouveau", "en": "New"},
    "report.acknowledged": {"fr": "Pris en compte", "en": "Acknowledged"},
    "report.in_progress": {"fr": "En cours", "en": "In progress"},
    "report.resolved": {"fr": "Résolu", "en": "Resolved"},
    "report.closed": {"fr": "Clos", "en": "Closed"},
    "nacelle.open": {"fr": "Ouverte", "en": "Open"},
    "nacelle.closed": {"fr": "Fermée", "en": "Closed"},
    "nacelle.in_transit": {"fr": "En déplacement", "en": "In transit"},
    "nacelle.hover": {"fr": "{name} — {status}<br>{place}<br>{event}", "en": "{name} — {status}<br>{place}<br>{event}"},
    "access.wall_denied": {
        "fr": "Accès refusé : jeton d'affichage manquant ou invalide.",
        "en": "Access denied: missing or invalid display token.",
    },
    "access.wall_closed": {
        "fr": "Le mur d'exploitation n'est pas configuré (CITYOPS_WALL_TOKEN).",
        "en": "The operations wall is not configured (CITYOPS_WALL_TOKEN).",
    },
    "trend.typical": {"fr": "Habituel", "en": "Typical"},
    "trend.range": {"fr": "min {low} · max {high}", "en": "min {low} · max {high}"},
    "trend.empty": {"fr": "pas encore d'historique", "en": "no history yet"},
    "trend.span": {"fr": "{hours} dernières heures", "en": "last {hours} hours"},
    "wall.title": {"fr": "Toulouse Métropole — centre d'exploitation", "en": "Toulouse Métropole — operations centre"},
    "wall.connection_lost": {
        "fr": "Connexion perdue depuis {time} : dernières données affichées.",
        "en": "Connection lost since {time}: showing the last data.",
    },
    "wall.no_alarm": {"fr": "Aucune alarme en cours", "en": "No active alarm"},
    "wall.alarms": {"fr": "Alarmes", "en": "Alarms"},
    "wall.legend": {"fr": "Légende", "en": "Legend"},
    "legend.energy_usual": {"fr": "proche de l'habituel", "en": "near typical"},
    "legend.energy_high": {"fr": "plus de 20 % au-dessus", "en": "over 20 % above"},
    "api.bad_level": {
        "fr": "Niveau inconnu : {level} (attendu : {levels})",
        "en": "Unknown level: {level} (expected: {levels})",
    },
    "filter.commune": {"fr": "Commune", "en": "Commune"},
    "filter.all_communes": {"fr": "Toute la Métropole", "en": "The whole Métropole"},
    "filter.title": {"fr": "Filtres", "en": "Filters"},
    "filter.help": {
        "fr": "Les filtres s'appliquent à la carte, aux indicateurs et aux tableaux.",
        "en": "Filters apply to the map, the headline figures and the tables.",
    },
    "filter.quartier": {"fr": "Quartier de Toulouse", "en": "Toulouse quartier"},
    "filter.all_quartiers": {"fr": "Tous les quartiers", "en": "All quartiers"},
    "filter.statuses": {"fr": "État des signalements", "en": "Report status"},
    "filter.categories": {"fr": "Catégories de signalements", "en": "Report categories"},
    "filter.all_categories": {"fr": "Toutes les catégories", "en": "All categories"},
    "filter.window": {"fr": "Signalements créés", "en": "Reports created"},
    "filter.window.24h": {"fr": "dernières 24 h", "en": "last 24 h"},
    "filter.window.7d": {"fr": "7 derniers jours", "en": "last 7 days"},
    "filter.window.30d": {"fr": "30 derniers jours", "en": "last 30 days"},
    "filter.window.all": {"fr": "depuis toujours", "en": "any time"},
    "filter.all_statuses": {"fr": "Tous les états", "en": "All statuses"},
    "filter.value": {"fr": "{name} « {value} »", "en": "{name} “{value}”"},
    "filter.ignored": {"fr": "Valeurs de filtre ignorées : {values}", "en": "Filter values ignored: {values}"},
    "filter.reset": {"fr": "Tout afficher", "en": "Show everything"},
    "tables.title": {"fr": "Tableaux", "en": "Tables"},
    "tables.layer": {"fr": "Couche affichée", "en": "Layer shown"},
    "tables.label": {"fr": "Tableau : {title}", "en": "Table: {title}"},
    "tables.count": {"fr": "{count} lignes (filtres de la page)", "en": "{count} rows (page filters)"},
    "tables.truncated": {
        "fr": "{shown} lignes les plus récentes sur {count} ; le CSV les contient toutes",
        "en": "newest {shown} of {count} rows; the CSV has them all",
    },
    "tables.download": {"fr": "Télécharger le CSV (filtres de la page)", "en": "Download CSV (page filters)"},
    "tables.export_grid": {"fr": "Exporter la vue du tableau (CSV)", "en": "Export the table view (CSV)"},
    "tables.unavailable": {
        "fr": "Données momentanément indisponibles : dernier tableau affiché.",
        "en": "Data unavailable for now: showing the last table.",
    },
    # The table grid's own words (AG Grid localeText keys after "grid.").
    "grid.page": {"fr": "Page", "en": "Page"},
    "grid.of": {"fr": "sur", "en": "of"},
    "grid.to": {"fr": "à", "en": "to"},
    "grid.pageSizeSelectorLabel": {"fr": "Lignes par page :", "en": "Page size:"},
    "grid.ariaPageSizeSelectorLabel": {"fr": "Lignes par page", "en": "Page size"},
    "grid.firstPage": {"fr": "Première page", "en": "First page"},
    "grid.previousPage": {"fr": "Page précédente", "en": "Previous page"},
    "grid.nextPage": {"fr": "Page suivante", "en": "Next page"},
    "grid.lastPage": {"fr": "Dernière page", "en": "Last page"},
    "grid.noRowsToShow": {"fr": "Aucune ligne", "en": "No rows to show"},
    "grid.loadingOoo": {"fr": "Chargement…", "en": "Loading…"},
    "grid.filterOoo": {"fr": "Filtrer…", "en": "Filter…"},
    "grid.equals": {"fr": "Égal à", "en": "Equals"},
    "grid.notEqual": {"fr": "Différent de", "en": "Does not equal"},
    "grid.contains": {"fr": "Contient", "en": "Contains"},
    "grid.notContains": {"fr": "Ne contient pas", "en": "Does not contain"},
    "grid.startsWith": {"fr": "Commence par", "en": "Begins with"},
    "grid.endsWith": {"fr": "Se termine par", "en": "Ends with"},
    "grid.blank": {"fr": "Vide", "en": "Blank"},
    "grid.notBlank": {"fr": "Non vide", "en": "Not blank"},
    "grid.lessThan": {"fr": "Inférieur à", "en": "Less than"},
    "grid.greaterThan": {"fr": "Supérieur à", "en": "Greater than"},
    "grid.lessThanOrEqual": {"fr": "Inférieur ou égal à", "en": "Less than or equal to"},
    "grid.greaterThanOrEqual": {"fr": "Supérieur ou égal à", "en": "Greater than or equal to"},
    "grid.inRange": {"fr": "Entre", "en": "Between"},
    "grid.andCondition": {"fr": "ET", "en": "AND"},
    "grid.orCondition": {"fr": "OU", "en": "OR"},
    "grid.applyFilter": {"fr": "Appliquer", "en": "Apply"},
    "grid.resetFilter": {"fr": "Réinitialiser", "en": "Reset"},
    "grid.clearFilter": {"fr": "Effacer", "en": "Clear"},
    "column.paris_time": {"fr": "{header} (heure de Paris)", "en": "{header} (Paris time)"},
    "column.id": {"fr": "Identifiant", "en": "Id"},
    "column.name": {"fr": "Nom", "en": "Name"},
    "column.lon": {"fr": "Longitude", "en": "Longitude"},
    "column.lat": {"fr": "Latitude", "en": "Latitude"},
    "column.capacity": {"fr": "Capacité", "en": "Capacity"},
    "column.occupied": {"fr": "Places occupées", "en": "Spaces occupied"},
    "column.site_type": {"fr": "Type de site", "en": "Site type"},
    "column.commune": {"fr": "Commune", "en": "Commune"},
    "column.quartier_name": {"fr": "Quartier", "en": "Quartier"},
    "column.power_kw": {"fr": "Puissance (kW)", "en": "Power (kW)"},
    "column.typical_kw": {"fr": "Habituel (kW)", "en": "Typical (kW)"},
    "column.category": {"fr": "Catégorie", "en": "Category"},
    "column.status": {"fr": "État", "en": "Status"},
    "column.created_at": {"fr": "Créé le", "en": "Created"},
    "column.updated_at": {"fr": "Mis à jour le", "en": "Updated"},
    "column.place": {"fr": "Lieu", "en": "Place"},
    "column.event": {"fr": "Événement", "en": "Event"},
    "areas.shading": {"fr": "Signalements ouverts par zone", "en": "Open reports by area"},
    "areas.none": {"fr": "aucune", "en": "none"},
    "areas.commune": {"fr": "par commune", "en": "by commune"},
    "areas.quartier": {"fr": "par quartier", "en": "by quartier"},
    "areas.colorbar": {"fr": "Signalements ouverts", "en": "Open reports"},
    "areas.hover": {"fr": "{name}<br>{count} signalements ouverts", "en": "{name}<br>{count} open reports"},
    "geo.unavailable": {
        "fr": "Limites des communes et quartiers indisponibles : {reason}",
        "en": "Commune and quartier boundaries unavailable: {reason}",
    },
    "geo.not_configured": {
        "fr": "aucun fichier configuré (CITYOPS_COMMUNES_PATH)",
        "en": "no file configured (CITYOPS_COMMUNES_PATH)",
    },
    "geo.level_not_configured": {
        "fr": "le niveau {level} n'est pas configuré (CITYOPS_QUARTIERS_PATH)",
        "en": "the {level} level is not configured (CITYOPS_QUARTIERS_PATH)",
    },
    "api.unknown_layer": {"fr": "Couche inconnue : {name}", "en": "Unknown layer: {name}"},
    "embed.not_public": {"fr": "Couche inconnue ou non publique : {name}", "en": "Unknown or non-public layer: {name}"},
    "embed.bad_commune": {
        "fr": "Code commune invalide : {value} (code INSEE à 5 caractères, ex. 31555)",
        "en": "Invalid commune code: {value} (5-character INSEE code, e.g. 31555)",
    },
    "embed.unknown_commune": {
        "fr": "Commune inconnue dans la Métropole : {value}",
        "en": "No such commune in the Métropole: {value}",
    },
    "embed.freshness": {"fr": "{state} · mis à jour à {time}", "en": "{state} · updated {time}"},
    "embed.map_label": {"fr": "Carte : {title}", "en": "Map: {title}"},
    "embed.source": {"fr": "Toulouse Métropole", "en": "Toulouse Métropole"},
}


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


def city_time(moment: datetime, lang: str, with_date: bool = False) -> str:
    """A moment shown in Europe/Paris, e.g. '14:05' or '25/11/2026 14:05'."""
    local = moment.astimezone(CITY_ZONE)
    pattern = "dd/MM/yyyy HH:mm" if with_date else "HH:mm:ss"
    return format_datetime(local, pattern, locale=_LOCALES[lang])


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
