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
    "kpi.bikes": {"fr": "Vélos disponibles", "en": "Bikes available"},
    "kpi.bikes_detail": {
        "fr": "{docks} places libres · stations vides : {empty}, pleines : {full}",
        "en": "{docks} free docks · stations empty: {empty}, full: {full}",
    },
    "kpi.no_data": {"fr": "pas encore de données", "en": "no data yet"},
    "state.ok": {"fr": "à jour", "en": "up to date"},
    "state.degraded": {"fr": "dégradé", "en": "degraded"},
    "state.down": {"fr": "hors service", "en": "down"},
    "state.stale": {"fr": "données anciennes", "en": "stale data"},
    "state.stale_detail": {"fr": "dernières données du {time}", "en": "last data from {time}"},
    "live.stale_since": {"fr": "données anciennes depuis {time}", "en": "stale data since {time}"},
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
    "collector.lock_lost": {
        "fr": "données lues mais non enregistrées : le verrou de collecte a été perdu pendant la lecture",
        "en": "data read but not saved: the collection lock was lost during the read",
    },
    "feed.deadline": {
        "fr": "le flux n'a pas fini de répondre en {seconds} s",
        "en": "the feed did not finish answering within {seconds} s",
    },
    "banner.store_down": {
        "fr": "Connexion au cache perdue depuis {time} : dernières données affichées.",
        "en": "Connection to the cache lost since {time}: showing the last data.",
    },
    "banner.sources": {"fr": "Sources en difficulté : {layers}", "en": "Sources in trouble: {layers}"},
    "banner.data_lost": {
        "fr": "Redis a perdu ses données le {day} à {time} (heure de Paris, {zone}) : l'historique reprend à cette heure.",
        "en": "Redis lost its data on {day} at {time} (Paris time, {zone}): history starts again from then.",
    },
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
    "bikes.available": {"fr": "vélos et places", "en": "bikes and docks"},
    "bikes.empty": {"fr": "vide (aucun vélo)", "en": "empty (no bike)"},
    "bikes.full": {"fr": "pleine (aucune place)", "en": "full (no dock)"},
    "bikes.out_of_service": {"fr": "fermée ou hors service", "en": "closed or out of service"},
    "bikes.status.open": {"fr": "ouverte", "en": "open"},
    "bikes.status.closed": {"fr": "fermée", "en": "closed"},
    "bikes.status.not_renting": {"fr": "location suspendue", "en": "not renting"},
    "bikes.hover": {
        "fr": "{name}<br>{bikes} vélos, {docks} places libres sur {capacity}<br>station {status}, relevé le {reported}",
        "en": "{name}<br>{bikes} bikes, {docks} free docks of {capacity}<br>station {status}, reported {reported}",
    },
    "auth.title": {"fr": "Connexion — tableau de bord des opérations", "en": "Sign in — operations dashboard"},
    "auth.heading": {"fr": "Connexion des gestionnaires", "en": "Managers' sign-in"},
    "auth.username": {"fr": "Identifiant", "en": "User name"},
    "auth.password": {"fr": "Mot de passe", "en": "Password"},
    "auth.submit": {"fr": "Se connecter", "en": "Sign in"},
    "auth.bad_credentials": {"fr": "Identifiant ou mot de passe incorrect.", "en": "Incorrect user name or password."},
    "auth.too_many": {
        "fr": "Trop de tentatives. Réessayez après {time} (heure de Paris, {zone}).",
        "en": "Too many attempts. Try again after {time} (Paris time, {zone}).",
    },
    "auth.required": {
        "fr": "Connexion requise : connectez-vous sur /login.",
        "en": "Sign-in required: sign in at /login.",
    },
    "auth.signed_out": {"fr": "Vous êtes déconnecté.", "en": "You are signed out."},
    "auth.sign_out": {"fr": "Se déconnecter", "en": "Sign out"},
    "auth.forged": {
        "fr": "Formulaire expiré ou envoyé depuis un autre site : rechargez la page et recommencez.",
        "en": "This form has expired or was sent from another site: reload the page and try again.",
    },
    "auth.signed_in_as": {"fr": "Connecté : {name}", "en": "Signed in: {name}"},
    "auth.closed": {
        "fr": "Aucun compte gestionnaire n'est configuré (CITYOPS_MANAGERS) : la connexion est fermée.",
        "en": "No manager account is configured (CITYOPS_MANAGERS): sign-in is closed.",
    },
    "auth.demo": {
        "fr": "Démonstration : identifiant demo, mot de passe demo.",
        "en": "Demonstration: user name demo, password demo.",
    },
    "access.wall_denied": {
        "fr": "Accès refusé : jeton d'affichage manquant ou invalide.",
        "en": "Access denied: missing or invalid display token.",
    },
    "access.wall_closed": {
        "fr": "Le mur d'exploitation n'est pas configuré (CITYOPS_WALL_TOKEN).",
        "en": "The operations wall is not configured (CITYOPS_WALL_TOKEN).",
    },
    "request.invalid": {"fr": "Requête invalide", "en": "Invalid request"},
    "request.not_found": {"fr": "Introuvable", "en": "Not found"},
    "request.method": {"fr": "Méthode non autorisée", "en": "Method not allowed"},
    "request.too_large": {"fr": "Corps de requête trop volumineux", "en": "Request body too large"},
    "request.refused": {"fr": "Requête refusée ({status})", "en": "Request refused ({status})"},
    "trend.typical": {"fr": "Habituel", "en": "Typical"},
    "trend.range": {"fr": "min {low} · max {high}", "en": "min {low} · max {high}"},
    "trend.empty": {"fr": "pas encore d'historique", "en": "no history yet"},
    "history.since": {
        "fr": "Historique disponible depuis le {day} à {time} (heure de Paris, {zone})",
        "en": "History available since {day} at {time} (Paris time, {zone})",
    },
    "trend.span": {"fr": "{hours} dernières heures", "en": "last {hours} hours"},
    "wall.title": {"fr": "Toulouse Métropole — centre d'exploitation", "en": "Toulouse Métropole — operations centre"},
    "wall.connection_lost": {
        "fr": "Connexion perdue depuis {time} : dernières données affichées.",
        "en": "Connection lost since {time}: showing the last data.",
    },
    "wall.no_alarm": {"fr": "Aucune alarme en cours", "en": "No active alarm"},
    "wall.alarms": {"fr": "Alarmes", "en": "Alarms"},
    "app.legend": {"fr": "Légende", "en": "Legend"},
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
    "column.address": {"fr": "Adresse", "en": "Address"},
    "column.bikes_available": {"fr": "Vélos disponibles", "en": "Bikes available"},
    "column.docks_available": {"fr": "Bornes libres", "en": "Free docks"},
    "column.last_reported": {"fr": "Dernier relevé", "en": "Last reported"},
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
    "api.unknown_version": {
        "fr": "Version inconnue ou périmée : {version} (voir /api/v1/public/versions)",
        "en": "Unknown or expired version: {version} (see /api/v1/public/versions)",
    },
    "api.no_data_yet": {"fr": "Pas encore de données pour {name}", "en": "No data yet for {name}"},
    "api.unknown_path": {"fr": "Adresse d'API inconnue", "en": "Unknown API address"},
    "api.store_down": {
        "fr": "Données momentanément indisponibles : le cache ne répond pas",
        "en": "Data unavailable for now: the cache does not answer",
    },
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
    "embed.cells": {"fr": "Signalements ouverts par carré de 500 m", "en": "Open reports per 500 m square"},
    "embed.cell_hover": {
        "fr": "{open} signalement(s) ouvert(s)<br>{closed} résolu(s) ou clos",
        "en": "{open} open report(s)<br>{closed} resolved or closed",
    },
    "embed.source": {"fr": "Toulouse Métropole", "en": "Toulouse Métropole"},
    "sources.title": {"fr": "Sources des données", "en": "Data sources"},
    "sources.caption": {
        "fr": "Pour chaque couche : état de sa source, dernière erreur, lignes rejetées par motif, dernière lecture",
        "en": "For each layer: its source's state, last error, rejected rows by reason, last fetch",
    },
    "sources.unavailable": {
        "fr": "État des sources indisponible : le cache Redis ne répond pas",
        "en": "Source states unavailable: the Redis cache does not answer",
    },
    "sources.col_layer": {"fr": "Couche", "en": "Layer"},
    "sources.col_state": {"fr": "État", "en": "State"},
    "sources.col_last_success": {"fr": "Dernier succès", "en": "Last success"},
    "sources.col_last_error": {"fr": "Dernière erreur", "en": "Last error"},
    "sources.col_rejected": {"fr": "Lignes rejetées (par motif)", "en": "Rejected rows (by reason)"},
    "sources.col_fetch": {"fr": "Dernière lecture", "en": "Last fetch"},
    "sources.col_next_attempt": {"fr": "Prochain essai", "en": "Next attempt"},
    "sources.col_origin": {"fr": "Source, format et adresse", "en": "Source, format and address"},
    "sources.rejected_total": {"fr": "{n} au total :", "en": "{n} in all:"},
    "sources.reason_count": {"fr": "{n} : ", "en": "{n}: "},  # before the reason, kept in French as stored
    "sources.fetch_facts": {"fr": "{duration}, {size}", "en": "{duration}, {size}"},
    "sources.seconds": {"fr": "{n} s", "en": "{n} s"},
    "sources.bytes": {"fr": "{n} o", "en": "{n} B"},
    "sources.kilobytes": {"fr": "{n} ko", "en": "{n} kB"},
    "sources.megabytes": {"fr": "{n} Mo", "en": "{n} MB"},
    "alarms.title": {"fr": "Alarmes en cours", "en": "Active alarms"},
    "alarms.none": {"fr": "Aucune alarme en cours", "en": "No active alarm"},
    "alarms.unavailable": {
        "fr": "Alarmes indisponibles : cache injoignable",
        "en": "Alarms unavailable: cache unreachable",
    },
    "alarms.col_severity": {"fr": "Gravité", "en": "Severity"},
    "alarms.col_what": {"fr": "Alarme", "en": "Alarm"},
    "alarms.col_where": {"fr": "Où", "en": "Where"},
    "alarms.col_since": {"fr": "Depuis", "en": "Since"},
    "alarms.col_ack": {"fr": "Acquittement", "en": "Acknowledgement"},
    "alarms.severity.critical": {"fr": "Critique", "en": "Critical"},
    "alarms.severity.warning": {"fr": "Avertissement", "en": "Warning"},
    "alarms.severity.info": {"fr": "Information", "en": "Information"},
    "alarms.paris_time": {"fr": "{time} (heure de Paris, {zone})", "en": "{time} (Paris time, {zone})"},
    "alarms.acknowledge": {"fr": "Acquitter", "en": "Acknowledge"},
    "alarms.acknowledge_label": {
        "fr": "Acquitter l'alarme : {what}, {where}",
        "en": "Acknowledge the alarm: {what}, {where}",
    },
    "alarms.acknowledged": {"fr": "Acquittée par {who} le {time}", "en": "Acknowledged by {who} on {time}"},
    "alarms.ack_refused": {
        "fr": "Acquittement refusé : aucun responsable connecté.",
        "en": "Acknowledgement refused: no manager signed in.",
    },
    "alarms.ack_gone": {"fr": "Cette alarme n'est plus active.", "en": "This alarm is no longer active."},
    "alarms.parking_full": {
        "fr": "Parking rempli à {value} % (seuil {threshold} %)",
        "en": "Car park {value} % full (threshold {threshold} %)",
    },
    "alarms.reports_overdue": {
        "fr": "Signalements ouverts depuis plus de {threshold} j : {value}",
        "en": "Reports open for more than {threshold} days: {value}",
    },
    "alarms.energy_above_typical": {
        "fr": "Puissance {value} % au-dessus de l'habituel (seuil {threshold} %)",
        "en": "Power {value} % above typical (threshold {threshold} %)",
    },
    "alarms.source_down": {
        "fr": "Source en échec depuis plus de {threshold} min : {detail}",
        "en": "Source failing for more than {threshold} min: {detail}",
    },
    "alarms.where_category": {"fr": "Signalements « {name} »", "en": "Reports “{name}”"},
    "alarms.where_source": {"fr": "{title} (source {name})", "en": "{title} (source {name})"},
    "alarms.ticker": {
        "fr": "{symbol} {severity} : {what} — {where}, depuis {since}",
        "en": "{symbol} {severity}: {what} — {where}, since {since}",
    },
    "alarms.group.reports_overdue": {
        "fr": "Signalements en retard : {n} catégories — {subjects}",
        "en": "Overdue reports: {n} categories — {subjects}",
    },
    "alarms.group.parking_full": {
        "fr": "Parkings presque pleins : {n} parkings — {subjects}",
        "en": "Car parks nearly full: {n} car parks — {subjects}",
    },
    "alarms.group.energy_above_typical": {
        "fr": "Puissance au-dessus de l'habituel : {n} sites — {subjects}",
        "en": "Power above typical: {n} sites — {subjects}",
    },
    "alarms.group.source_down": {
        "fr": "Sources en échec : {n} sources — {subjects}",
        "en": "Sources failing: {n} sources — {subjects}",
    },
    "alarms.group_since": {"fr": "la plus ancienne depuis {time}", "en": "oldest since {time}"},
    "alarms.acknowledge_group": {"fr": "Tout acquitter ({n})", "en": "Acknowledge all ({n})"},
    "alarms.acknowledge_group_label": {
        "fr": "Acquitter les {n} alarmes du groupe : {what}",
        "en": "Acknowledge the group's {n} alarms: {what}",
    },
    "alarms.acknowledged_group": {
        "fr": "{n} alarmes acquittées par {who} le {time}",
        "en": "{n} alarms acknowledged by {who} on {time}",
    },
    "alarms.group_acknowledged": {"fr": "Toutes acquittées", "en": "All acknowledged"},
    "details.region": {"fr": "Détails", "en": "Details"},
    "details.close": {"fr": "Fermer les détails", "en": "Close the details"},
    "details.hint": {
        "fr": "Cliquez un point de la carte pour voir son détail.",
        "en": "Click a point on the map to see its details.",
    },
    "details.gone_title": {"fr": "Élément introuvable", "en": "Item not found"},
    "details.gone": {
        "fr": "Cet élément n'est plus dans les données : il a peut-être été retiré. Choisissez-en un autre sur la carte.",
        "en": "This item is no longer in the data: it may have been removed. Pick another one on the map.",
    },
    "details.unavailable": {
        "fr": "Détails indisponibles pour l'instant : le cache ne répond pas. Réessayez dans un moment.",
        "en": "Details unavailable right now: the cache does not answer. Try again in a moment.",
    },
    "details.as_of": {"fr": "Données du {time}", "en": "Data from {time}"},
    "details.axis_time": {"fr": "heure de Paris ({zone})", "en": "Paris time ({zone})"},
    "details.last_24h": {"fr": "Dernières 24 h (moyennes sur 5 min)", "en": "Last 24 h (5-minute means)"},
    "details.last_7d": {"fr": "7 derniers jours (moyennes horaires)", "en": "Last 7 days (hourly means)"},
    "details.today": {"fr": "Aujourd'hui, par rapport à l'habituel", "en": "Today, against typical"},
    "details.free": {"fr": "Places libres", "en": "Free spaces"},
    "details.occupied": {"fr": "Places occupées", "en": "Occupied spaces"},
    "details.capacity": {"fr": "Capacité", "en": "Capacity"},
    "details.power": {"fr": "Puissance appelée", "en": "Power drawn"},
    "details.typical": {"fr": "Habituel", "en": "Typical"},
    "details.delta": {"fr": "Écart à l'habituel", "en": "Against typical"},
    "details.kw": {"fr": "kW", "en": "kW"},
    "details.status": {"fr": "Statut", "en": "Status"},
    "details.created": {"fr": "Créé le", "en": "Created"},
    "details.updated": {"fr": "Mis à jour le", "en": "Updated"},
    "details.place": {"fr": "Lieu", "en": "Place"},
    "details.event": {"fr": "Événement", "en": "Event"},
    "details.report_title": {"fr": "Signalement : {category}", "en": "Report: {category}"},
    "details.timeline": {"fr": "Historique des statuts", "en": "Status history"},
    "details.change": {"fr": "{previous} → {value}", "en": "{previous} → {value}"},
    "details.first_seen": {"fr": "vu pour la première fois : {value}", "en": "first seen: {value}"},
    "details.no_timeline": {"fr": "Aucun changement de statut enregistré.", "en": "No status change recorded."},
    "details.moves": {"fr": "Déplacements (le plus récent d'abord)", "en": "Moves (latest first)"},
    "details.stay": {"fr": "{place} — {status}", "en": "{place} — {status}"},
    "details.no_history": {"fr": "Pas encore d'historique.", "en": "No history yet."},
    "details.parking_chart": {
        "fr": "Graphique : places occupées à {name} sur 24 heures et 7 jours",
        "en": "Chart: occupied spaces at {name} over 24 hours and 7 days",
    },
    "details.energy_chart": {
        "fr": "Graphique : puissance appelée aujourd'hui à {name}, par rapport à l'habituel",
        "en": "Chart: power drawn today at {name}, against typical",
    },
    "details.generic_chart": {"fr": "Graphique : {name} sur 24 heures", "en": "Chart: {name} over 24 hours"},
    "details.yes": {"fr": "oui", "en": "yes"},
    "details.no": {"fr": "non", "en": "no"},
    "details.photo_link": {"fr": "Voir la photo (nouvel onglet)", "en": "View the photo (new tab)"},
    "field.name": {"fr": "Nom", "en": "Name"},
    "field.commune": {"fr": "Commune", "en": "Commune"},
    "field.quartier_name": {"fr": "Quartier", "en": "Quartier"},
    "field.description": {"fr": "Description", "en": "Description"},
    "field.status_notes": {"fr": "Notes de traitement", "en": "Handling notes"},
    "field.address": {"fr": "Adresse", "en": "Address"},
    "field.agency_responsible": {"fr": "Service responsable", "en": "Responsible department"},
    "field.photo_url": {"fr": "Photo", "en": "Photo"},
    "field.status": {"fr": "Statut", "en": "Status"},
    "field.capacity": {"fr": "Capacité", "en": "Capacity"},
    "field.site_type": {"fr": "Type de site", "en": "Site type"},
    "site_type.garage": {"fr": "parking en ouvrage", "en": "multi-storey car park"},
    "site_type.park_and_ride": {"fr": "parc relais", "en": "park and ride"},
    "site_type.administration": {"fr": "bâtiment administratif", "en": "administrative building"},
    "site_type.piscine": {"fr": "piscine", "en": "swimming pool"},
    "site_type.culture": {"fr": "équipement culturel", "en": "cultural venue"},
    "site_type.sport": {"fr": "équipement sportif", "en": "sports ground"},
    "site_type.ecole": {"fr": "école", "en": "school"},
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
