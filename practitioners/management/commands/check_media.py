"""Do the database and file storage agree? Rows pointing at missing files, files no row points at.

Every FileField of every model is checked, in whichever storage it uses (local folders or
S3: only the storage API is used, `listdir` to walk and `exists`/`delete` to act).

- Dangling rows (a row names a file that is not there) are reported. With --fix, what is
  safe is repaired: a portfolio image whose public renditions are gone is re-rendered from
  its private original; an optional practitioner photo that is gone is cleared. Anything
  else (a credential document, a missing original) needs a person and is only reported.
- Orphaned files (in an upload folder, named by no row) are reported. With --sweep, those
  older than the grace period are deleted; younger ones may belong to an upload that has
  written its file and not yet committed its row, so they are left alone.

Exits non-zero when dangling rows remain, or when --sweep leaves old orphans behind.
"""

import json
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from practitioners.models import PortfolioItem, Practitioner
from practitioners.uploads import process_portfolio_image


@dataclass
class _StorageScan:
    alias: str
    storage: object
    folders: set[str] = field(default_factory=set)  # top-level folders upload_to writes into
    whole: bool = False  # walk everything when a field's folder cannot be worked out
    referenced: set[str] = field(default_factory=set)


def _resolve(storage):
    if isinstance(storage, LazyObject):
        if storage._wrapped is empty:
            storage._setup()
        return storage._wrapped
    return storage


def _file_fields():
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                yield model, f


def _top_folder(f) -> str | None:
    """The first folder a FileField's upload_to writes into, or None if it can't be told."""
    try:
        name = f.generate_filename(None, "probe.jpg")
    except Exception:  # noqa: BLE001 (an upload_to that needs a real instance)
        return None
    return name.split("/", 1)[0] if "/" in name else None


class Command(BaseCommand):
    help = "Report (and with --fix/--sweep repair) rows pointing at missing files and orphaned files."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Repair dangling rows where that is safe.")
        parser.add_argument(
            "--sweep", action="store_true", help="Delete orphaned files older than the grace period."
        )
        parser.add_argument(
            "--grace-minutes",
            type=float,
            default=24 * 60,
            help="Orphans younger than this are left alone (default: one day).",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the report as JSON.")

    def handle(self, *args, fix, sweep, grace_minutes, as_json, **options):
        if grace_minutes < 0:
            raise CommandError("--grace-minutes cannot be negative.")
        scans = self._scans()
        # One listing of each storage serves both checks: S3 answers a listing in pages of
        # a thousand names, where asking about every row's file would be a request each.
        stored = {alias: set(self._stored(scan)) for alias, scan in scans.items()}
        dangling = self._dangling(scans, stored)
        fixed = self._fix(dangling) if fix else []
        remaining = [d for d in dangling if d not in fixed]
        orphans = [
            (alias, name)
            for alias, names in stored.items()
            for name in sorted(names - scans[alias].referenced)
        ]
        cutoff = timezone.now() - timedelta(minutes=grace_minutes)
        swept, recent, kept = [], [], []
        for alias, name in orphans:
            storage = scans[alias].storage
            if self._modified(storage, name) > cutoff:
                recent.append((alias, name))
            elif sweep:
                storage.delete(name)
                swept.append((alias, name))
            else:
                kept.append((alias, name))

        report = {
            "dangling": [_row_dict(d) for d in remaining],
            "fixed": [_row_dict(d) for d in fixed],
            "orphans_swept": [f"{a}:{n}" for a, n in swept],
            "orphans_recent": [f"{a}:{n}" for a, n in recent],
            "orphans_left": [f"{a}:{n}" for a, n in kept],
            "scanned": {
                alias: ("everything" if scan.whole else sorted(scan.folders)) for alias, scan in scans.items()
            },
        }
        if as_json:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self._print(report)
        if remaining or (sweep and kept):
            raise CommandError(
                f"{len(remaining)} row(s) point at missing files; {len(kept)} orphaned file(s) left."
            )

    # -- scanning -------------------------------------------------------------------------

    def _scans(self) -> dict[str, _StorageScan]:
        by_instance = {}
        scans: dict[str, _StorageScan] = {}
        for alias in settings.STORAGES:
            if alias == "staticfiles":
                continue
            by_instance[id(storages[alias])] = alias
        self.fields = []
        for model, f in _file_fields():
            alias = by_instance.get(id(_resolve(f.storage)))
            if alias is None:
                raise CommandError(f"{model.__name__}.{f.name} uses a storage not named in STORAGES.")
            scan = scans.setdefault(alias, _StorageScan(alias, storages[alias]))
            folder = _top_folder(f)
            if folder is None:
                scan.whole = True
            else:
                scan.folders.add(folder)
            self.fields.append((model, f, alias))
        return scans

    def _dangling(self, scans, stored) -> list[tuple]:
        """(model, field, alias, file name, [row ids]) for each referenced name that is missing."""
        missing = []
        for model, f, alias in self.fields:
            scan = scans[alias]
            names = (
                model._default_manager.exclude(**{f.name: ""})
                .exclude(**{f"{f.name}__isnull": True})
                .values_list(f.name, flat=True)
                .distinct()
            )
            for name in names.iterator(chunk_size=5000):
                scan.referenced.add(name)
                walked = scan.whole or name.split("/", 1)[0] in scan.folders
                if (name not in stored[alias]) if walked else not scan.storage.exists(name):
                    ids = list(model._default_manager.filter(**{f.name: name}).values_list("pk", flat=True))
                    missing.append((model, f, alias, name, ids))
        return missing

    def _stored(self, scan: _StorageScan):
        for root in [""] if scan.whole else sorted(scan.folders):
            yield from self._walk(scan.storage, root)

    def _walk(self, storage, folder: str):
        try:
            dirs, files = storage.listdir(folder)
        except FileNotFoundError:
            return
        prefix = f"{folder}/" if folder else ""
        for name in files:
            yield prefix + name
        for name in dirs:
            yield from self._walk(storage, prefix + name)

    def _modified(self, storage, name: str):
        try:
            return storage.get_modified_time(name)
        except (FileNotFoundError, NotImplementedError):
            return timezone.now()  # unknown age: treat as recent, never delete blind

    # -- repairs --------------------------------------------------------------------------

    def _fix(self, dangling) -> list[tuple]:
        fixed = []
        for entry in dangling:
            model, f, alias, name, ids = entry
            if model is PortfolioItem and f.name in {"display", "thumbnail"}:
                if all(self._rerender(pk) for pk in ids):
                    fixed.append(entry)
            elif model is Practitioner and f.name == "photo":
                Practitioner.objects.filter(pk__in=ids, photo=name).update(photo="")
                fixed.append(entry)
        return fixed

    def _rerender(self, pk: int) -> bool:
        item = PortfolioItem.objects.get(pk=pk)
        if not item.original or not item.original.storage.exists(item.original.name):
            return False
        with item.original.open("rb") as original:
            renditions = process_portfolio_image(ContentFile(original.read(), name="original.jpg"))
        old = [(item.display.storage, item.display.name), (item.thumbnail.storage, item.thumbnail.name)]
        item.display.save("display.webp", renditions.display, save=False)
        item.thumbnail.save("thumbnail.webp", renditions.thumbnail, save=False)
        item.save(update_fields=["display", "thumbnail"])
        # Another row may still point at an old rendition that does exist; delete only
        # what nothing refers to any more.
        for storage, name in old:
            if storage.exists(name) and not _referenced(name):
                storage.delete(name)
        return True

    def _print(self, report):
        for entry in report["dangling"]:
            self.stdout.write(
                f"MISSING {entry['model']}.{entry['field']} {entry['storage']}:{entry['name']} "
                f"(rows {entry['ids'][:10]}{'…' if len(entry['ids']) > 10 else ''})"
            )
        for entry in report["fixed"]:
            self.stdout.write(f"FIXED   {entry['model']}.{entry['field']} rows {entry['ids'][:10]}")
        for name in report["orphans_swept"]:
            self.stdout.write(f"SWEPT   {name}")
        for name in report["orphans_left"]:
            self.stdout.write(f"ORPHAN  {name}")
        for name in report["orphans_recent"]:
            self.stdout.write(f"RECENT  {name} (inside the grace period, left alone)")
        self.stdout.write(
            f"{len(report['dangling'])} dangling, {len(report['fixed'])} fixed, "
            f"{len(report['orphans_swept'])} orphans swept, {len(report['orphans_left'])} orphans left, "
            f"{len(report['orphans_recent'])} recent files left alone."
        )


def _referenced(name: str) -> bool:
    return PortfolioItem.objects.filter(
        models.Q(display=name) | models.Q(thumbnail=name) | models.Q(original=name)
    ).exists()


def _row_dict(entry) -> dict:
    model, f, alias, name, ids = entry
    return {"model": model._meta.label, "field": f.name, "storage": alias, "name": name, "ids": ids}
