"""Static reference data of the demonstration feeds: real Toulouse places, approximate where noted."""

from __future__ import annotations

from dataclasses import dataclass

# Bounding box of the 37 communes of Toulouse Métropole (lon_min, lat_min, lon_max, lat_max).
METROPOLE_BBOX = (1.2038, 43.5167, 1.6318, 43.7672)


@dataclass(frozen=True, slots=True)
class CarPark:
    """A covered car park or a Tisséo park-and-ride site."""

    id: str
    name: str
    lon: float
    lat: float
    capacity: int
    site_type: str  # "garage" or "park_and_ride"
    commune: str = "Toulouse"


@dataclass(frozen=True, slots=True)
class EnergySite:
    """A municipal building with its own meter; `base_kw` is its usual daytime draw."""

    id: str
    name: str
    lon: float
    lat: float
    site_type: str  # "administration", "piscine", "culture", "sport" or "ecole"
    base_kw: float
    commune: str = "Toulouse"


@dataclass(frozen=True, slots=True)
class NacellePlace:
    """A public space where a Nacelle pod can be set up."""

    name: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class BikeStation:
    """A VélôToulouse station: its number, name, street, docks and what drives its bikes through the day."""

    number: int
    name: str
    address: str
    lon: float
    lat: float
    capacity: int
    role: str  # "centre" (fills by day), "residential" (empties by day), "campus" or "hub" (a station)


@dataclass(frozen=True, slots=True)
class PopulationCentre:
    """Where people live: reports are scattered around it, `spread` degrees of latitude as standard deviation."""

    name: str
    commune: str
    lon: float
    lat: float
    weight: float  # about the population
    spread: float


@dataclass(frozen=True, slots=True)
class ReportCategory:
    """A theme of Allô Toulouse requests, its share of all requests (%) and its median days to resolve."""

    label: str
    share: float
    resolve_days: float


# Positions of the first eight garages and of the park-and-ride sites up to La Vache are those of the shared
# reference notes (good to ~150 m), except Balma-Gramont, moved 95 m south-east so that it falls in Balma, its
# commune, on the simplified IGN boundaries. Capacities of Capitole, Victor Hugo, Jeanne d'Arc, Arnaud Bernard
# and Europe come from the official export. Every other position and capacity is approximate, demo only.
CAR_PARKS: tuple[CarPark, ...] = (
    CarPark("garage-capitole", "Capitole", 1.4440, 43.6045, 748, "garage"),
    CarPark("garage-jean-jaures", "Jean Jaurès", 1.4489, 43.6064, 620, "garage"),
    CarPark("garage-carmes", "Carmes", 1.4455, 43.5977, 410, "garage"),
    CarPark("garage-victor-hugo", "Victor Hugo", 1.4466, 43.6077, 385, "garage"),
    CarPark("garage-esquirol", "Esquirol", 1.4447, 43.6003, 460, "garage"),
    CarPark("garage-saint-etienne", "Saint-Étienne", 1.4522, 43.6000, 560, "garage"),
    CarPark("garage-jeanne-d-arc", "Jeanne d'Arc", 1.4457, 43.6116, 370, "garage"),
    CarPark("garage-arnaud-bernard", "Arnaud Bernard", 1.4405, 43.6117, 232, "garage"),
    CarPark("garage-europe", "Europe", 1.4340, 43.6092, 337, "garage"),
    CarPark("garage-wilson", "Wilson", 1.4475, 43.6053, 420, "garage"),
    CarPark("garage-saint-cyprien", "Saint-Cyprien", 1.4330, 43.5988, 450, "garage"),
    CarPark("garage-compans-caffarelli", "Compans-Caffarelli", 1.4352, 43.6118, 680, "garage"),
    CarPark("garage-matabiau", "Matabiau", 1.4535, 43.6108, 900, "garage"),
    CarPark("garage-marengo", "Marengo", 1.4568, 43.6096, 450, "garage"),
    CarPark("garage-saint-aubin", "Saint-Aubin", 1.4553, 43.6035, 380, "garage"),
    CarPark("garage-carnot", "Carnot", 1.4505, 43.6022, 480, "garage"),
    CarPark("pr-balma-gramont", "Parking relais Balma-Gramont", 1.4832, 43.6290, 1380, "park_and_ride", "Balma"),
    CarPark("pr-argoulets", "Parking relais Argoulets", 1.4770, 43.6243, 900, "park_and_ride"),
    CarPark("pr-borderouge", "Parking relais Borderouge", 1.4528, 43.6408, 800, "park_and_ride"),
    CarPark("pr-basso-cambo", "Parking relais Basso Cambo", 1.3920, 43.5697, 650, "park_and_ride"),
    CarPark("pr-arenes", "Parking relais Arènes", 1.4180, 43.5930, 400, "park_and_ride"),
    CarPark("pr-jolimont", "Parking relais Jolimont", 1.4630, 43.6150, 280, "park_and_ride"),
    CarPark("pr-la-vache", "Parking relais La Vache", 1.4330, 43.6330, 350, "park_and_ride"),
    CarPark("pr-sept-deniers", "Parking relais Sept Deniers", 1.4125, 43.6232, 400, "park_and_ride"),
    CarPark("pr-oncopole", "Parking relais Oncopole", 1.3895, 43.5565, 450, "park_and_ride"),
    CarPark(
        "pr-aeroconstellation", "Parking relais Aéroconstellation", 1.3660, 43.6560, 300, "park_and_ride", "Blagnac"
    ),
)
# Ramonville's park-and-ride is left out: Ramonville-Saint-Agne belongs to the Sicoval, not to the Métropole.

# Positions and base loads approximate, demo only.
ENERGY_SITES: tuple[EnergySite, ...] = (
    EnergySite("energy-capitole", "Capitole (hôtel de ville)", 1.4433, 43.6044, "administration", 180.0),
    EnergySite(
        "energy-siege-metropole", "Siège de Toulouse Métropole (Marengo)", 1.4585, 43.6083, "administration", 300.0
    ),
    EnergySite(
        "energy-mairie-blagnac", "Hôtel de ville de Blagnac", 1.3897, 43.6372, "administration", 80.0, "Blagnac"
    ),
    EnergySite(
        "energy-mairie-colomiers", "Hôtel de ville de Colomiers", 1.3352, 43.6112, "administration", 85.0, "Colomiers"
    ),
    EnergySite(
        "energy-mairie-tournefeuille",
        "Mairie de Tournefeuille",
        1.3455,
        43.5848,
        "administration",
        60.0,
        "Tournefeuille",
    ),
    EnergySite("energy-mediatheque-cabanis", "Médiathèque José Cabanis", 1.4556, 43.6092, "culture", 260.0),
    EnergySite("energy-halle-aux-grains", "Halle aux Grains", 1.4550, 43.5995, "culture", 140.0),
    EnergySite("energy-museum", "Muséum de Toulouse", 1.4496, 43.5937, "culture", 170.0),
    EnergySite("energy-zenith", "Zénith Toulouse Métropole", 1.4130, 43.5895, "culture", 240.0),
    EnergySite("energy-piscine-nakache", "Piscine Alfred-Nakache", 1.4357, 43.5876, "piscine", 320.0),
    EnergySite("energy-stadium", "Stadium de Toulouse", 1.4340, 43.5833, "sport", 220.0),
    EnergySite("energy-ernest-wallon", "Stade Ernest-Wallon", 1.4155, 43.6210, "sport", 160.0),
    EnergySite("energy-ecole-ernest-renan", "Groupe scolaire Ernest-Renan", 1.4485, 43.6240, "ecole", 55.0),
)

# Where the three Nacelles were set up in the 2016 trial; positions approximate, demo only.
# The first place is the fixed spot; the others are visited in turn by the two movable pods.
NACELLE_PLACES: tuple[NacellePlace, ...] = (
    NacellePlace("Allées Jules-Guesde", 1.4480, 43.5945),
    NacellePlace("Place de la Daurade", 1.4395, 43.6013),
    NacellePlace("Devant le Jardin des Plantes", 1.4508, 43.5926),
    NacellePlace("Toulouse Plages (Prairie des Filtres)", 1.4375, 43.5967),
)

# Consultations of the "laboratoire des usages"; invented titles, demo only.
NACELLE_EVENTS: tuple[str, ...] = (
    "Budget participatif : vos projets pour le quartier",
    "Réaménagement des berges de la Garonne",
    "Plan vélo métropolitain : donnez votre avis",
    "Végétaliser les cours d'école",
    "Quelle place pour la voiture en centre-ville ?",
    "Propreté : idées pour des rues plus nettes",
    "Fêtes de quartier : à vous de choisir",
    "Éclairage public et sobriété énergétique",
    "Nouveaux usages des places publiques",
    "La troisième ligne de métro et vous",
)

# Toulouse's 20 quartiers de démocratie locale and the bigger communes of the Métropole. Centres sit where
# people live rather than at the geometric centre; populations and spreads approximate, demo only.
POPULATION_CENTRES: tuple[PopulationCentre, ...] = (
    PopulationCentre("Capitole / Arnaud Bernard / Carmes", "Toulouse", 1.4440, 43.6030, 35000, 0.005),
    PopulationCentre("Amidonniers / Compans-Caffarelli", "Toulouse", 1.4285, 43.6110, 22000, 0.005),
    PopulationCentre("Chalets / Saint-Aubin / Dupuy", "Toulouse", 1.4530, 43.6060, 22000, 0.005),
    PopulationCentre("Bonnefoy / Marengo / La Colonne", "Toulouse", 1.4600, 43.6170, 27000, 0.006),
    PopulationCentre("Saint-Michel / Empalot / Le Busca", "Toulouse", 1.4430, 43.5850, 38000, 0.007),
    PopulationCentre("Saint-Cyprien", "Toulouse", 1.4300, 43.5975, 25000, 0.005),
    PopulationCentre("Sept Deniers / Lalande", "Toulouse", 1.4210, 43.6330, 20000, 0.010),
    PopulationCentre("Minimes / Barrière de Paris", "Toulouse", 1.4370, 43.6260, 38000, 0.008),
    PopulationCentre("Borderouge / Croix-Daurade", "Toulouse", 1.4620, 43.6400, 40000, 0.010),
    PopulationCentre("Jolimont / Roseraie / Soupetard", "Toulouse", 1.4720, 43.6240, 35000, 0.008),
    PopulationCentre("Guilheméry / Côte Pavée", "Toulouse", 1.4700, 43.5980, 28000, 0.007),
    PopulationCentre("Pont des Demoiselles / Montaudran", "Toulouse", 1.4800, 43.5750, 33000, 0.010),
    PopulationCentre("Rangueil / Jules-Julien", "Toulouse", 1.4550, 43.5700, 30000, 0.009),
    PopulationCentre("Saint-Simon / Lafourguette", "Toulouse", 1.3900, 43.5550, 16000, 0.009),
    PopulationCentre("Croix-de-Pierre / Route d'Espagne", "Toulouse", 1.4250, 43.5820, 15000, 0.005),
    PopulationCentre("Fontaine-Lestang / Bagatelle / Papus", "Toulouse", 1.4130, 43.5800, 28000, 0.006),
    PopulationCentre("Mirail-Université / Reynerie", "Toulouse", 1.4020, 43.5720, 22000, 0.006),
    PopulationCentre("Lardenne / Pradettes / Basso-Cambo", "Toulouse", 1.3850, 43.5870, 30000, 0.010),
    PopulationCentre("Casselardit / Cartoucherie", "Toulouse", 1.4100, 43.5990, 18000, 0.005),
    PopulationCentre("Arènes Romaines / Purpan / Ancely", "Toulouse", 1.3850, 43.6100, 22000, 0.009),
    PopulationCentre("Colomiers", "Colomiers", 1.3345, 43.6115, 39000, 0.012),
    PopulationCentre("Tournefeuille", "Tournefeuille", 1.3450, 43.5830, 28000, 0.010),
    PopulationCentre("Blagnac", "Blagnac", 1.3900, 43.6380, 25000, 0.010),
    PopulationCentre("Cugnaux", "Cugnaux", 1.3440, 43.5400, 18000, 0.008),
    PopulationCentre("Balma", "Balma", 1.4990, 43.6100, 17000, 0.008),
    PopulationCentre("L'Union", "L'Union", 1.4840, 43.6560, 12000, 0.007),
    PopulationCentre("Saint-Orens-de-Gameville", "Saint-Orens-de-Gameville", 1.5330, 43.5540, 12000, 0.008),
    PopulationCentre("Saint-Jean", "Saint-Jean", 1.5020, 43.6650, 11000, 0.007),
    PopulationCentre("Castelginest", "Castelginest", 1.4330, 43.6950, 10000, 0.007),
    PopulationCentre("Villeneuve-Tolosane", "Villeneuve-Tolosane", 1.3430, 43.5270, 10000, 0.005),
    PopulationCentre("Aucamville", "Aucamville", 1.4290, 43.6700, 9000, 0.005),
    PopulationCentre("Launaguet", "Launaguet", 1.4560, 43.6680, 9000, 0.006),
    PopulationCentre("Pibrac", "Pibrac", 1.2650, 43.6200, 8500, 0.007),
)

# Allô Toulouse's 2024 mix for the first two themes; the rest of the split and every resolution time are
# plausible guesses, demo only. Shares add up to 100.
REPORT_CATEGORIES: tuple[ReportCategory, ...] = (
    ReportCategory("Propreté et déchets", 49.56, 0.6),
    ReportCategory("Stationnement", 8.36, 0.3),
    ReportCategory("Voirie et trottoirs", 9.0, 4.0),
    ReportCategory("Éclairage public", 6.0, 2.5),
    ReportCategory("Espaces verts", 5.5, 3.0),
    ReportCategory("Tags et graffitis", 5.0, 2.0),
    ReportCategory("Mobilier urbain", 3.5, 4.0),
    ReportCategory("Signalisation", 3.0, 3.0),
    ReportCategory("Eau et assainissement", 3.0, 1.5),
    ReportCategory("Bruit", 2.5, 1.0),
    ReportCategory("Animaux", 2.0, 1.0),
    ReportCategory("Autres demandes", 2.58, 2.0),
)

# Stations at real VélôToulouse places of the city of Toulouse; numbers, streets, positions and dock counts are
# approximate, demo only (the real network has about 280 stations and 2,700 docks).
# fmt: off
BIKE_STATIONS: tuple[BikeStation, ...] = (
    BikeStation(1, "Capitole", "Place du Capitole", 1.4436, 43.6043, 30, "centre"),
    BikeStation(2, "Esquirol", "Place Étienne-Esquirol", 1.4443, 43.6005, 25, "centre"),
    BikeStation(3, "Carmes", "Place des Carmes", 1.4452, 43.5972, 20, "centre"),
    BikeStation(4, "Jean Jaurès", "Allées Jean-Jaurès", 1.4494, 43.6068, 35, "centre"),
    BikeStation(5, "Wilson", "Place Wilson", 1.4482, 43.6047, 25, "centre"),
    BikeStation(6, "Jeanne d'Arc", "Place Jeanne-d'Arc", 1.4458, 43.6112, 20, "centre"),
    BikeStation(7, "Saint-Étienne", "Place Saint-Étienne", 1.4518, 43.6001, 20, "centre"),
    BikeStation(8, "Daurade", "Quai de la Daurade", 1.4398, 43.6016, 25, "centre"),
    BikeStation(9, "Pont-Neuf", "Rue de Metz", 1.4405, 43.5998, 20, "centre"),
    BikeStation(10, "Ozenne", "Rue Ozenne", 1.4462, 43.5958, 15, "centre"),
    BikeStation(11, "Palais de Justice", "Allées Jules-Guesde", 1.4455, 43.5930, 25, "centre"),
    BikeStation(12, "Saint-Sernin", "Rue Gatien-Arnoult", 1.4410, 43.6090, 15, "campus"),
    BikeStation(13, "Arnaud Bernard", "Place Arnaud-Bernard", 1.4398, 43.6108, 20, "residential"),
    BikeStation(14, "Compans-Caffarelli", "Boulevard Lascrosses", 1.4338, 43.6112, 30, "centre"),
    BikeStation(15, "Amidonniers", "Rue des Amidonniers", 1.4300, 43.6110, 20, "residential"),
    BikeStation(16, "Ponts-Jumeaux", "Boulevard de la Marquette", 1.4262, 43.6138, 20, "residential"),
    BikeStation(17, "Matabiau Gare", "Boulevard Pierre-Sémard", 1.4537, 43.6113, 40, "hub"),
    BikeStation(18, "Marengo", "Allée Jean-Chaubet", 1.4582, 43.6072, 25, "centre"),
    BikeStation(19, "Jolimont", "Avenue de Lyon", 1.4638, 43.6152, 20, "residential"),
    BikeStation(20, "Saint-Aubin", "Place Saint-Aubin", 1.4558, 43.6030, 20, "residential"),
    BikeStation(21, "Place Dupuy", "Place Dominique-Martin-Dupuy", 1.4575, 43.6003, 20, "residential"),
    BikeStation(22, "Grand Rond", "Allée Forain-François-Verdier", 1.4526, 43.5971, 27, "centre"),
    BikeStation(23, "Jardin des Plantes", "Allées Frédéric-Mistral", 1.4508, 43.5922, 20, "centre"),
    BikeStation(24, "Busca", "Boulevard des Récollets", 1.4590, 43.5958, 15, "residential"),
    BikeStation(25, "Guilheméry", "Avenue de la Gloire", 1.4700, 43.6020, 15, "residential"),
    BikeStation(26, "Côte Pavée", "Avenue Jean-Rieux", 1.4752, 43.6000, 15, "residential"),
    BikeStation(27, "Saint-Michel", "Grande Rue Saint-Michel", 1.4468, 43.5882, 20, "residential"),
    BikeStation(28, "Niel", "Rue Achille-Viadieu", 1.4465, 43.5830, 20, "residential"),
    BikeStation(29, "Saint-Agne", "Avenue de l'URSS", 1.4495, 43.5798, 20, "hub"),
    BikeStation(30, "Empalot", "Avenue Jean-Moulin", 1.4440, 43.5795, 15, "residential"),
    BikeStation(31, "Rangueil", "Avenue de Rangueil", 1.4628, 43.5714, 18, "campus"),
    BikeStation(32, "Université Paul-Sabatier", "Route de Narbonne", 1.4660, 43.5620, 40, "campus"),
    BikeStation(33, "Montaudran", "Avenue de l'Aérodrome-de-Montaudran", 1.4840, 43.5740, 20, "campus"),
    BikeStation(34, "Saint-Cyprien République", "Place Olivier", 1.4305, 43.5978, 25, "residential"),
    BikeStation(35, "Patte d'Oie", "Avenue de Grande-Bretagne", 1.4228, 43.5990, 20, "residential"),
    BikeStation(36, "Arènes", "Boulevard de Larrieu-Thibaud", 1.4182, 43.5932, 25, "hub"),
    BikeStation(37, "Fontaine-Lestang", "Avenue de Lombez", 1.4200, 43.5880, 15, "residential"),
    BikeStation(38, "Bagatelle", "Rue du Lot", 1.4090, 43.5782, 15, "residential"),
    BikeStation(39, "Université Jean-Jaurès", "Allées Antonio-Machado", 1.4045, 43.5778, 35, "campus"),
    BikeStation(40, "Basso Cambo", "Avenue du Général-Eisenhower", 1.3925, 43.5702, 20, "hub"),
    BikeStation(41, "Cartoucherie", "Rue des Arts-et-Métiers", 1.4150, 43.6000, 20, "residential"),
    BikeStation(42, "Casselardit", "Avenue de Casselardit", 1.4120, 43.6052, 15, "residential"),
    BikeStation(43, "Purpan", "Place du Docteur-Baylac", 1.4025, 43.6082, 25, "campus"),
    BikeStation(44, "Ancely", "Allée des Causses", 1.3985, 43.6132, 15, "residential"),
    BikeStation(45, "Sept Deniers", "Route de Blagnac", 1.4160, 43.6240, 20, "residential"),
    BikeStation(46, "Minimes", "Place du Marché-aux-Cochons", 1.4372, 43.6212, 20, "residential"),
    BikeStation(47, "Barrière de Paris", "Avenue des Minimes", 1.4338, 43.6290, 20, "residential"),
    BikeStation(48, "Lalande", "Avenue de Fronton", 1.4360, 43.6440, 15, "residential"),
    BikeStation(49, "Borderouge", "Boulevard André-Netwiller", 1.4582, 43.6410, 25, "hub"),
    BikeStation(50, "Croix-Daurade", "Route d'Albi", 1.4730, 43.6370, 15, "residential"),
    BikeStation(51, "Bonnefoy", "Rue du Faubourg-Bonnefoy", 1.4700, 43.6232, 15, "residential"),
    BikeStation(52, "Roseraie", "Avenue Louis-Plana", 1.4760, 43.6180, 20, "residential"),
    BikeStation(53, "Argoulets", "Avenue Jean-Chaubet", 1.4812, 43.6240, 20, "hub"),
    BikeStation(54, "Lardenne", "Avenue de Lardenne", 1.3870, 43.5902, 15, "residential"),
    BikeStation(55, "Zénith", "Avenue Raymond-Badiou", 1.4160, 43.5930, 20, "centre"),
    BikeStation(56, "Musée des Augustins", "Rue de Metz", 1.4465, 43.6003, 20, "centre"),
    BikeStation(57, "Saint-Cyprien Hôpital de La Grave", "Place Lange", 1.4330, 43.5990, 15, "campus"),
    BikeStation(58, "Compans École d'économie", "Esplanade de l'Université", 1.4368, 43.6085, 25, "campus"),
)
# fmt: on
