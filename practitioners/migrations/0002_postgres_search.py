"""PostgreSQL-only search support: the trigram extension and GIN indexes.

SQLite has neither, so every step checks the database first; the same migrations run on
both. The text-search index expression must match practitioners.querysets.DocumentVector.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    (
        "practitioner_search_document_fts",
        "CREATE INDEX IF NOT EXISTS practitioner_search_document_fts ON practitioners_practitioner "
        "USING gin (to_tsvector('english'::regconfig, search_document))",
    ),
    (
        "practitioner_name_trgm",
        "CREATE INDEX IF NOT EXISTS practitioner_name_trgm ON practitioners_practitioner "
        "USING gin (name gin_trgm_ops)",
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
    dependencies = [("practitioners", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
