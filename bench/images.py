"""Image pipeline benchmark: a 12-megapixel JPEG through process_portfolio_image vs a naive path.

Each path runs in a fresh Python process (`python bench/images.py measure <path> <file>`) so
its peak memory (the process's maximum resident set, less what it held before decoding)
is its own. CPU time is the process CPU time of the call, the median of several runs.
"""

import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = 5


def make_photo(path: Path) -> Path:
    """A 4000×3000 JPEG of a drawn scalp at camera quality, with an EXIF orientation tag."""
    if path.exists():
        return path
    from PIL import Image

    from practitioners.demo_images import draw_scalp

    image = Image.open(io.BytesIO(draw_scalp("healed", seed=42, size=(4000, 3000))))
    exif = Image.Exif()
    exif[0x0112] = 1  # orientation: upright
    exif[0x010F] = "Bench Camera"
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=92, exif=exif.tobytes())
    return path


def naive(data: bytes):
    """What a first version would do: decode every pixel, then resize from full size each time."""
    from PIL import Image, ImageOps

    image = Image.open(io.BytesIO(data))
    image.load()
    image = ImageOps.exif_transpose(image).convert("RGB")
    outputs = []
    for long_side, fmt in ((2000, "JPEG"), (1200, "WEBP"), (400, "WEBP")):
        copy = image.copy()
        copy.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        copy.save(buffer, fmt, quality=85)
        outputs.append(buffer.getvalue())
    return outputs


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} missing from /proc/self/status")


def measure(which: str, path: str) -> dict:
    # Only what the pipeline reads from settings, so the process starts small.
    from django.conf import settings

    settings.configure(SMP_UPLOAD_MAX_BYTES=15 * 1024 * 1024, SMP_IMAGE_MAX_PIXELS=40_000_000)
    import django

    django.setup()
    from django.core.files.base import ContentFile

    from practitioners.uploads import process_portfolio_image

    runs = {
        "pipeline": lambda data: process_portfolio_image(ContentFile(data, name="photo.jpg")),
        "naive": naive,
    }
    data = Path(path).read_bytes()
    run = runs[which]
    run(data)  # warm up: imports, codec tables
    before_kb = _status_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current size
    cpu, wall = [], []
    for _ in range(RUNS):
        c0, w0 = time.process_time(), time.perf_counter()
        run(data)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    peak_kb = _status_kb("VmHWM")
    return {
        "cpu_ms": round(statistics.median(cpu), 1),
        "cpu_ms_min": round(min(cpu), 1),
        "wall_ms": round(statistics.median(wall), 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "peak_added_mb": round((peak_kb - before_kb) / 1024, 1),
    }


def compare(photo: Path, env: dict) -> dict:
    """Both paths, each in its own process, on the same file in the same run."""
    from PIL import Image

    with Image.open(photo) as image:
        megapixels = image.width * image.height / 1e6
    results = {"megapixels": round(megapixels, 1), "bytes": photo.stat().st_size}
    for which in ("pipeline", "naive"):
        out = subprocess.run(
            [sys.executable, __file__, "measure", which, str(photo)],
            cwd=ROOT,
            env=env,
            text=True,
            capture_output=True,
            check=True,
        )
        results[which] = json.loads(out.stdout.strip().splitlines()[-1])
    results["speedup_cpu"] = round(results["naive"]["cpu_ms"] / results["pipeline"]["cpu_ms"], 2)
    return results


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
    else:
        sys.exit("usage: images.py measure pipeline|naive FILE")
