"""PostgreSQL-only indexes found necessary by the 100k-practitioner benchmarks (bench/).

- Listing sorted by rating (`?sort=rating`, and its deep pages): the ORDER BY is
  rating_average DESC NULLS LAST, review_count DESC, …, name, id over published
  practitioners. The model's (status, -rating_average) index sorts NULLs first, so
  PostgreSQL read the whole table and sorted it (140 ms for page 1, 660 ms for page 500 at
  100k). This partial index gives the order directly; the badge columns are included so a
  page of ids can be read from the index alone.
- Search near a place joins clinics found by the lat/lng index to practitioners through
  the clinics M2M table; with (clinic_id, practitioner_id) that step is an index-only scan
  instead of a heap visit per clinic.

SQLite gets none of this (same pattern as 0002_postgres_search).
"""

from django.db import migrations

INDEXES = [
    (
        "practitioner_published_rating_order",
        "CREATE INDEX IF NOT EXISTS practitioner_published_rating_order ON practitioners_practitioner "
        "(rating_average DESC NULLS LAST, review_count DESC, name, id) INCLUDE (is_vetted, vetted_until) "
        "WHERE status = 'published'",
    ),
    (
        "practitioner_clinics_clinic_practitioner",
        "CREATE INDEX IF NOT EXISTS practitioner_clinics_clinic_practitioner "
        "ON practitioners_practitioner_clinics (clinic_id, practitioner_id)",
    ),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _name, sql in INDEXES:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _sql in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("practitioners", "0003_reference_data")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
