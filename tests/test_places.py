import csv
import dataclasses
import re
import socket
import time

import pytest

from practitioners import places
from practitioners.places import POSTCODE_AREAS_CSV, Place, resolve_place, suggest_places
from practitioners.regions import UK_NATIONS

LONDON = (51.51, -0.13)


def _near(place, lat, lng, tolerance=0.5):
    return abs(place.latitude - lat) <= tolerance and abs(place.longitude - lng) <= tolerance


# US ZIP codes


def test_zip_resolves_to_its_own_coordinates():
    place = resolve_place("33101")
    assert place == Place("33101 (Miami, FL)", 25.7791, -80.1978, "US", "FL", "zip")


def test_zip_plus_four_resolves_to_the_five_digit_zip():
    assert resolve_place(" 33101-1234 ") == resolve_place("33101")


def test_zip_in_new_york_is_near_manhattan():
    place = resolve_place("10001")
    assert place.region == "NY"
    assert _near(place, 40.75, -73.99, tolerance=0.1)


@pytest.mark.parametrize("text", ["00000", "99999", "3310", "331011", "33101-12"])
def test_unknown_or_malformed_zip_is_none(text):
    assert resolve_place(text) is None


def test_zip_outside_the_states_and_dc_is_none():
    # 00601 is Adjuntas, Puerto Rico: the directory lists states and DC only.
    assert resolve_place("00601") is None


# UK postcodes


def test_full_postcode_resolves_to_its_area_post_town():
    place = resolve_place("SW1A 1AA")
    assert place.name == "SW1A 1AA (London)"
    assert (place.country, place.region, place.kind) == ("GB", "ENG", "postcode")
    assert _near(place, *LONDON)


@pytest.mark.parametrize("text", ["sw1a1aa", "  sw1a   1aa ", "SW1A1AA"])
def test_full_postcode_is_read_without_spaces_or_case(text):
    assert resolve_place(text).name == "SW1A 1AA (London)"


@pytest.mark.parametrize(
    ("text", "name"),
    [("SW1A", "SW1A (London)"), ("M1", "M1 (Manchester)"), ("EH1", "EH1 (Edinburgh)")],
)
def test_postcode_district_resolves(text, name):
    assert resolve_place(text).name == name


@pytest.mark.parametrize(("text", "name"), [("SW", "SW (London)"), ("M", "M (Manchester)")])
def test_postcode_area_resolves(text, name):
    assert resolve_place(text).name == name


def test_postcode_without_space_splits_before_the_inward_code():
    assert resolve_place("M11AE").name == "M1 1AE (Manchester)"


@pytest.mark.parametrize("area", ["E", "EC", "N", "NW", "SE", "SW", "W", "WC"])
def test_london_postcode_areas_resolve_to_london(area):
    place = resolve_place(f"{area}1")
    assert place.name == f"{area}1 (London)"
    assert _near(place, *LONDON, tolerance=0.1)


@pytest.mark.parametrize(
    ("text", "nation"),
    [
        ("EH1 1YZ", "SCT"),
        ("G1 1AA", "SCT"),
        ("ZE1 0AA", "SCT"),
        ("KW15", "SCT"),
        ("HS1", "SCT"),
        ("CF10 1AA", "WLS"),
        ("SA1", "WLS"),
        ("LL30", "WLS"),
        ("LD1", "WLS"),
        ("NP20", "WLS"),
        ("BT1 1AA", "NIR"),
        ("M1 1AE", "ENG"),
        ("TD1", "SCT"),
        ("CH1", "ENG"),
    ],
)
def test_postcode_gets_the_nation_of_its_area(text, nation):
    assert resolve_place(text).region == nation


@pytest.mark.parametrize("text", ["QQ1 1AA", "XY1", "Z9 9ZZ"])
def test_postcode_with_unknown_area_is_none(text):
    assert resolve_place(text) is None


# City names


@pytest.mark.parametrize(
    "text",
    ["Miami", "miami", "MIAMI", "miami fl", "Miami, FL", "Miami, Florida", "Miami Florida",
     "Miámi", "Miami, Florida, USA", "Miami USA"],
)  # fmt: skip
def test_city_with_or_without_qualifier(text):
    place = resolve_place(text)
    assert place.name == "Miami, Florida"
    assert (place.country, place.region, place.kind) == ("US", "FL", "city")


def test_city_coordinates_are_sane():
    assert _near(resolve_place("Miami"), 25.77, -80.19)
    assert _near(resolve_place("London"), *LONDON)
    assert _near(resolve_place("Glasgow"), 55.86, -4.25)


@pytest.mark.parametrize(
    ("text", "name", "region"),
    [
        ("London", "London, England", "ENG"),
        ("Manchester, UK", "Manchester, England", "ENG"),
        ("manchester england", "Manchester, England", "ENG"),
        ("Edinburgh", "Edinburgh, Scotland", "SCT"),
        ("Cardiff, Wales", "Cardiff, Wales", "WLS"),
        ("Belfast", "Belfast, Northern Ireland", "NIR"),
        ("Stoke on Trent", "Stoke-on-Trent, England", "ENG"),
    ],
)
def test_british_cities_get_their_nation(text, name, region):
    place = resolve_place(text)
    assert (place.name, place.country, place.region) == (name, "GB", region)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("NYC", "New York City, New York"),
        ("nyc", "New York City, New York"),
        ("New York", "New York City, New York"),
        ("LA", "Los Angeles, California"),
        ("L.A.", "Los Angeles, California"),
        ("SF", "San Francisco, California"),
        ("DC", "Washington, District of Columbia"),
        ("Washington, D.C.", "Washington, District of Columbia"),
    ],
)
def test_aliases(text, name):
    assert resolve_place(text).name == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Portland", "Portland, Oregon"),
        ("Portland, Maine", "Portland, Maine"),
        ("portland me", "Portland, Maine"),
        ("Birmingham", "Birmingham, England"),
        ("Birmingham AL", "Birmingham, Alabama"),
        ("Birmingham, Alabama", "Birmingham, Alabama"),
        ("Manchester NH", "Manchester, New Hampshire"),
        ("Washington", "Washington, District of Columbia"),
        ("Washington, UK", "Washington, England"),
    ],
)
def test_ambiguous_name_prefers_the_most_populous_unless_qualified(text, name):
    assert resolve_place(text).name == name


@pytest.mark.parametrize("text", ["St. Louis", "St Louis", "Saint Louis", "saint louis, mo", "ST.LOUIS"])
def test_saint_and_st_are_the_same(text):
    assert resolve_place(text).name == "St. Louis, Missouri"


def test_fort_and_ft_are_the_same():
    assert resolve_place("Ft. Lauderdale") == resolve_place("Fort Lauderdale")


@pytest.mark.parametrize("text", ["Tokyo", "Paris, France", "London, Ontario", "Miami, Texas"])
def test_places_outside_the_us_and_uk_or_with_wrong_qualifier_are_none(text):
    assert resolve_place(text) is None


# Bad input


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \t\n ",
        "\x00",
        "\x00" * 500,
        "x" * 10_000,
        "🙂🙂🙂",
        "!!!",
        "...,,,;;;",
        "<script>alert(1)</script>",
        "'; DROP TABLE clinics; --",
        "\u202e\u200b",
        None,
        12345,
    ],
)
def test_garbage_is_none_without_raising(text):
    assert resolve_place(text) is None
    assert suggest_places(text) == []


def test_input_is_cleaned_before_matching():
    assert resolve_place("  Miami,\x00\t  FL  ").name == "Miami, Florida"
    assert resolve_place("Miami" + " " * 10_000).name == "Miami, Florida"


def test_place_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        resolve_place("Miami").name = "Elsewhere"


def test_lookups_after_the_first_are_fast():
    for text in ("Miami, FL", "SW1A 1AA", "33101"):
        resolve_place(text)
    started = time.perf_counter()
    for _ in range(300):
        resolve_place("Miami, FL")
        resolve_place("SW1A 1AA")
        resolve_place("33101")
    assert (time.perf_counter() - started) / 900 < 0.001


def test_resolving_needs_no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("places must not open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for cached in (places._city_index, places._zip_index, places._postcode_areas):
        cached.cache_clear()
    assert resolve_place("33101").kind == "zip"
    assert resolve_place("EH1").kind == "postcode"
    assert resolve_place("Portland").kind == "city"


# Suggestions


def test_suggestions_for_misspelled_cities():
    assert suggest_places("Manchestr")[0] == "Manchester, England"
    assert "Manchester, New Hampshire" in suggest_places("Manchestr")
    assert suggest_places("Pheonix") == ["Phoenix, Arizona"]


def test_suggestions_honour_a_qualifier():
    assert suggest_places("Manchestr, NH")[0] == "Manchester, New Hampshire"


def test_suggestions_respect_the_limit():
    assert len(suggest_places("Manchestr", limit=2)) == 2
    assert suggest_places("Manchestr", limit=0) == []
    assert len(suggest_places("Springfeld", limit=1000)) <= places.MAX_SUGGESTIONS


def test_nothing_is_suggested_for_nonsense():
    assert suggest_places("qqqqzzzzxxxx") == []


# The shipped postcode area table


def _area_rows():
    with POSTCODE_AREAS_CSV.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_postcode_area_table_is_complete_and_valid():
    rows = _area_rows()
    assert list(rows[0]) == ["area", "post_town", "nation", "latitude", "longitude"]
    areas = [row["area"] for row in rows]
    assert len(areas) == len(set(areas)) == 121
    for row in rows:
        assert re.fullmatch(r"[A-Z]{1,2}", row["area"]), row
        assert row["post_town"].strip(), row
        assert row["nation"] in UK_NATIONS, row
        # Bounding box of the UK, Shetland included.
        assert 49.8 <= float(row["latitude"]) <= 60.9, row
        assert -8.7 <= float(row["longitude"]) <= 1.8, row


def test_postcode_area_table_nations():
    nations = {row["area"]: row["nation"] for row in _area_rows()}
    assert {a for a, n in nations.items() if n == "WLS"} == {"CF", "LD", "LL", "NP", "SA"}
    assert {a for a, n in nations.items() if n == "NIR"} == {"BT"}
    assert {a for a, n in nations.items() if n == "SCT"} == {
        "AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH",
        "TD", "ZE",
    }  # fmt: skip


def test_london_areas_share_one_post_town():
    towns = {row["area"]: row["post_town"] for row in _area_rows()}
    assert {a for a, t in towns.items() if t == "London"} == {
        "E", "EC", "N", "NW", "SE", "SW", "W", "WC",
    }  # fmt: skip


def test_load_indexes_builds_every_table_up_front():
    from practitioners import places

    for table in (places._city_index, places._zip_index, places._postcode_areas):
        table.cache_clear()
    places.load_indexes()
    assert all(
        t.cache_info().currsize == 1 for t in (places._city_index, places._zip_index, places._postcode_areas)
    )
