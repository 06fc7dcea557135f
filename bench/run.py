"""One entry point for the benchmarks (`make bench`) and the resilience suite (`make resilience`).

    python bench/run.py bench [--seconds 15] [--reseed] [--quick]
    python bench/run.py resilience [--quick]

Both create what they need (databases `bench` with 100k practitioners and `bench10k` with
10k, migrated and seeded by seed_scale), start gunicorn with production settings, measure,
print a summary table, write bench/results/*.json and exit non-zero if a target or a check
fails. Every page figure is a ratio to a bare view served by the same gunicorn in the same
run. See bench/README.md.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import images, resilience, server  # noqa: E402
from bench.server import RESULTS, ROOT, Gunicorn, django_env, wrk  # noqa: E402

BIG, SMALL = "bench", "bench10k"
PAGES = ["home", "search", "search_distance", "search_page1", "search_deep", "profile", "compare"]
GROWTH_PAGES = ["search", "search_distance", "search_text"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def target(name: str, value, goal: str, passed: bool) -> dict:
    return {"name": name, "value": value, "target": goal, "passed": bool(passed)}


def table(rows: list[list], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def warm(gunicorn: Gunicorn, paths: dict) -> None:
    """Every page on every worker, so per-process caches (the place index, compiled
    templates) are loaded before anything is measured."""
    for name, path in paths.items():
        status = server.get(gunicorn.port, path, timeout=120)[0]
        if status != 200:
            raise RuntimeError(f"{name} ({path}) answered {status}; fix the page before benchmarking it")
        # Concurrent requests reach every worker; sequential ones mostly reach one.
        wrk(gunicorn.base, path, connections=16, seconds=3, timeout="60s")
        server.drain(gunicorn.port)


def pages(gunicorn: Gunicorn, paths: dict, seconds: float) -> dict:
    """wrk at 32 connections on each page, between two runs of the bare view.

    Other work on a shared machine comes and goes; dividing each page by the mean of the
    bare view measured just before and just after it keeps most of that drift out.
    """
    figures = {}
    bare_runs = []
    for name in PAGES:
        # Requests still queued from the run before would be counted against this one.
        server.drain(gunicorn.port)
        before = wrk(gunicorn.base, paths["bare"], seconds=min(seconds, 5))
        server.drain(gunicorn.port)
        figures[name] = wrk(gunicorn.base, paths[name], seconds=seconds, timeout="30s")
        server.drain(gunicorn.port)
        after = wrk(gunicorn.base, paths["bare"], seconds=min(seconds, 5))
        bare = round((before["rps"] + after["rps"]) / 2, 1)
        figures[name]["bare_rps"] = bare
        figures[name]["bare_runs_rps"] = [before["rps"], after["rps"]]
        figures[name]["ratio_to_bare"] = round(figures[name]["rps"] / bare, 3) if bare else 0
        bare_runs += [before["rps"], after["rps"]]
        log(
            f"  {name}: {figures[name]['rps']}/s ({figures[name]['ratio_to_bare']:.3f}× bare "
            f"{before['rps']}/s before, {after['rps']}/s after), p99 {figures[name]['p99_ms']:.0f} ms"
        )
    figures["bare_rps"] = round(statistics.median(bare_runs), 1)
    return figures


def growth(servers: dict, paths: dict, seconds: float, rounds: int = 3) -> dict:
    """Single-connection latency (no queueing: the cost of the page itself), the two
    databases measured in turns so drift on the machine hits both alike."""
    samples = {db: {name: [] for name in GROWTH_PAGES} for db in servers}
    for _ in range(rounds):
        for name in GROWTH_PAGES:
            for db, gunicorn in servers.items():
                server.drain(gunicorn.port)
                run = wrk(
                    gunicorn.base, paths[db][name], connections=1, threads=1, seconds=seconds, timeout="30s"
                )
                samples[db][name].append(run)
    out = {}
    for db, by_page in samples.items():
        out[db] = {}
        for name, runs in by_page.items():
            out[db][name] = {
                "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
                "requests": sum(r["requests"] for r in runs),
                "runs_p50_ms": [r["p50_ms"] for r in runs],
            }
    return out


def plans(database: str, paths: dict) -> dict:
    wanted = {
        name: paths[name]
        for name in (
            "search",
            "search_distance",
            "search_text",
            "search_page1",
            "search_deep",
            "profile",
            "profile_quiet",
            "compare",
        )
    }
    return resilience.django_side(database, "plans", json.dumps(wanted))


def summarise_plans(result: dict) -> dict:
    out = {}
    for name, page in result.items():
        timed = [q for q in page["queries"] if "execution_ms" in q]
        slowest = max(timed, key=lambda q: q["execution_ms"], default=None)
        out[name] = {
            "status": page["status"],
            "queries": len(page["queries"]),
            "max_execution_ms": slowest["execution_ms"] if slowest else 0,
            "total_execution_ms": round(sum(q["execution_ms"] for q in timed), 2),
            "slowest_sql": slowest["sql"][:300] if slowest else "",
            "seq_scans": sorted({table for q in timed for table in q["seq_scans"]}),
        }
    return out


def run_bench(args) -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    server.ensure_wrk()
    started = time.time()
    seeds = {
        BIG: server.prepare_database(BIG, args.practitioners, args.reseed, log),
        SMALL: server.prepare_database(SMALL, args.practitioners // 10, args.reseed, log),
    }
    for database in (BIG, SMALL):
        server.manage(database, "collectstatic", "--no-input", "-v", "0")

    log("image pipeline: 12-megapixel JPEG, pipeline vs naive")
    photo = images.make_photo(server.DATA / "photo-12mp.jpg")
    image = images.compare(photo, django_env(BIG))

    results = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "seconds_per_run": args.seconds, "seed": seeds}
    with server.private_redis():
        measure_databases(results, args)
    results["image"] = image
    return finish(results, started)


def measure_databases(results: dict, args) -> None:
    targets = {db: resilience.django_side(db, "targets") for db in (BIG, SMALL)}
    for db in (BIG, SMALL):
        log(f"{db}: {targets[db]['counts']['practitioners']:,} practitioners")
    with Gunicorn(BIG, name=BIG) as big, Gunicorn(SMALL, name=SMALL) as small:
        servers = {BIG: big, SMALL: small}
        for db, gunicorn in servers.items():
            log(f"{db}: warming every worker")
            warm(gunicorn, targets[db]["paths"])
        results[BIG] = {"targets": targets[BIG], "workers": len(big.worker_pids())}
        results[SMALL] = {"targets": targets[SMALL], "workers": len(small.worker_pids())}
        log(f"{BIG}: pages at 32 connections")
        results[BIG]["pages"] = pages(big, targets[BIG]["paths"], args.seconds)
        log("growth: 1 connection, both databases in turns")
        single = growth(servers, {db: targets[db]["paths"] for db in servers}, max(5, args.seconds / 3))
        for db in servers:
            results[db]["single"] = single[db]
    for db in (BIG, SMALL):
        log(f"{db}: EXPLAIN ANALYZE of every search and profile query")
        results[db]["plans_full"] = plans(db, targets[db]["paths"])
        results[db]["plans"] = summarise_plans(results[db]["plans_full"])


def finish(results: dict, started: float) -> int:
    checks = evaluate(results)
    results["checks"] = checks
    results["took_s"] = round(time.time() - started)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in (f"bench-{stamp}.json", "bench-latest.json"):
        (RESULTS / name).write_text(json.dumps(results, indent=2, default=str))
    markdown = report(results)
    (RESULTS / "bench-latest.md").write_text(markdown)
    (ROOT / "bench" / "RESULTS.md").write_text(markdown)
    print(markdown)
    failed = [c for c in checks if not c["passed"]]
    log(f"{len(checks) - len(failed)}/{len(checks)} targets met; results in bench/results/bench-{stamp}.json")
    return 1 if failed else 0


def evaluate(results: dict) -> list[dict]:
    big, small = results[BIG], results[SMALL]
    figures = big["pages"]
    checks = []
    # A page that completed no request in the whole run has no latency to compare: fail it.
    nothing = sorted(name for name in PAGES if figures[name]["requests"] == 0)
    nothing += [
        f"{name} (1 connection, {db})"
        for db in (BIG, SMALL)
        for name, f in results[db]["single"].items()
        if f["requests"] == 0
    ]
    checks.append(
        target(
            "pages that completed no request in the run", ", ".join(nothing) or "none", "none", not nothing
        )
    )
    for name, goal in (("search", 0.20), ("profile", 0.30)):
        page = figures[name]
        checks.append(
            target(
                f"{name} throughput / bare",
                page["ratio_to_bare"],
                f">= {goal}",
                page["ratio_to_bare"] >= goal,
            )
        )
    for name in ("search", "profile"):
        page = figures[name]
        checks.append(
            target(
                f"{name} p99 at 32 connections",
                f"{page['p99_ms']:.0f} ms",
                "<= 150 ms",
                page["p99_ms"] <= 150,
            )
        )
    errors = {name: figures[name]["errors"] + figures[name]["non_2xx"] for name in PAGES}
    checks.append(
        target("errors and non-2xx over all pages", sum(errors.values()), "0", sum(errors.values()) == 0)
    )
    plan = big["plans"]
    busy, quiet = plan["profile"]["queries"], plan["profile_quiet"]["queries"]
    checks.append(target(
        "profile query count, busiest vs quietest practitioner",
        f"{busy} vs {quiet} ({big['targets']['profile_reviews']} vs 1 review)", "equal", busy == quiet,
    ))  # fmt: skip
    for name in ("search", "search_distance", "search_text", "search_page1", "search_deep", "profile"):
        checks.append(
            target(
                f"slowest {name} query (EXPLAIN ANALYZE)",
                f"{plan[name]['max_execution_ms']:.2f} ms",
                "<= 5 ms",
                plan[name]["max_execution_ms"] <= 5,
            )
        )
    scanned = sorted({name for name, p in plan.items() if "practitioners_practitioner" in p["seq_scans"]})
    checks.append(
        target(
            "pages with a sequential scan of the practitioner table",
            ", ".join(scanned) or "none",
            "none",
            not scanned,
        )
    )
    deep = figures["search_deep"]["p50_ms"] / max(figures["search_page1"]["p50_ms"], 0.001)
    checks.append(
        target(
            f"deep page {big['targets']['deep_page']} vs page 1 (p50 latency)",
            f"{deep:.2f}×",
            "<= 2×",
            deep <= 2,
        )
    )
    for name in GROWTH_PAGES:
        growth = big["single"][name]["p50_ms"] / max(small["single"][name]["p50_ms"], 0.001)
        checks.append(
            target(
                f"{name} latency 100k / 10k (1 connection, p50)", f"{growth:.2f}×", "<= 1.5×", growth <= 1.5
            )
        )
    image = results["image"]
    checks.append(
        target(
            "12 MP upload CPU time",
            f"{image['pipeline']['cpu_ms']:.0f} ms",
            "<= 150 ms",
            image["pipeline"]["cpu_ms"] <= 150,
        )
    )
    checks.append(
        target(
            "12 MP upload peak memory (process RSS)",
            f"{image['pipeline']['peak_rss_mb']:.0f} MB",
            "<= 300 MB",
            image["pipeline"]["peak_rss_mb"] <= 300,
        )
    )
    checks.append(
        target(
            "12 MP upload speed-up over naive (CPU)",
            f"{image['speedup_cpu']:.1f}×",
            ">= 3×",
            image["speedup_cpu"] >= 3,
        )
    )
    return checks


def report(results: dict) -> str:
    big, small = results[BIG], results[SMALL]
    figures = big["pages"]
    rows = []
    for name in PAGES:
        f = figures[name]
        rows.append(
            [
                name,
                f["rps"],
                f["bare_rps"],
                f"{f['ratio_to_bare']:.3f}",
                f"{f['p50_ms']:.0f}",
                f"{f['p95_ms']:.0f}",
                f"{f['p99_ms']:.0f}",
                f["non_2xx"] + f["errors"],
            ]
        )
    plan_rows = [
        [
            name,
            p["queries"],
            f"{p['max_execution_ms']:.2f}",
            f"{p['total_execution_ms']:.2f}",
            ", ".join(p["seq_scans"]) or "none",
        ]
        for name, p in big["plans"].items()
    ]
    growth_rows = [
        [name, f"{small['targets']['results'][name]:,} / {big['targets']['results'][name]:,}",
         f"{small['single'][name]['p50_ms']:.1f}", f"{big['single'][name]['p50_ms']:.1f}",
         f"{big['single'][name]['p50_ms'] / max(small['single'][name]['p50_ms'], 0.001):.2f}×",
         f"{small['plans'][name]['max_execution_ms']:.2f}", f"{big['plans'][name]['max_execution_ms']:.2f}"]
        for name in GROWTH_PAGES
    ]  # fmt: skip
    image = results["image"]
    image_rows = [
        [
            which,
            image[which]["cpu_ms"],
            image[which]["wall_ms"],
            image[which]["peak_rss_mb"],
            image[which]["peak_added_mb"],
        ]
        for which in ("pipeline", "naive")
    ]
    checks = [
        [c["name"], c["value"], c["target"], "met" if c["passed"] else "**missed**"]
        for c in results["checks"]
    ]
    counts = big["targets"]["counts"]
    return "\n\n".join([
        "# Benchmark results",
        f"Run {results['started']} on this machine (median {figures['bare_rps']} req/s for the bare view); "
        f"{counts['practitioners']:,} practitioners, wrk 2 threads × 32 connections × {results['seconds_per_run']} s "
        f"per page against gunicorn ({big['workers']} sync workers, production settings). Ratios are to the bare "
        "view run by the same gunicorn just before and just after that page (mean). Growth is single-connection p50, the two "
        "databases measured in turns (median of 3). Produced by `make bench`.",
        "## Targets\n\n" + table(checks, ["target", "measured", "goal", ""]),
        "## Pages at 100k practitioners\n\n" + table(rows, ["page", "req/s", "bare req/s around it", "× bare", "p50 ms", "p95 ms", "p99 ms", "errors"]),
        "## SQL at 100k practitioners (EXPLAIN ANALYZE, median of 3)\n\n" + table(plan_rows, ["page", "queries", "slowest ms", "all ms", "seq scans"]),
        "## Growth 10k → 100k (1 connection)\n\n" + table(growth_rows, ["page", "results 10k / 100k", "p50 ms 10k", "p50 ms 100k", "growth", "slowest SQL ms 10k", "slowest SQL ms 100k"]),
        f"## Image pipeline ({image['megapixels']} MP JPEG, {image['bytes'] // 1024} KB)\n\n" + table(image_rows, ["path", "CPU ms", "wall ms", "peak RSS MB", "added MB"]),
        "Paths: " + ", ".join(f"{name} `{path}`" for name, path in big["targets"]["paths"].items()),
    ]) + "\n"  # fmt: skip


def run_resilience(args) -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    server.ensure_wrk()
    database = args.database
    server.prepare_database(database, args.practitioners, False, log)
    server.manage(database, "collectstatic", "--no-input", "-v", "0")
    targets = resilience.django_side(database, "targets")
    seconds = 20 if args.quick else 60
    checks = []
    faults_env = {"BENCH_FAULTS": "1"}
    only = set(args.only.split(",")) if args.only else {"load", "reload", "postgres", "uploads", "faults"}
    if only & {"load", "reload"}:
        with server.private_redis(), Gunicorn(database, name="resilience", extra_env=faults_env) as gunicorn:
            warm(gunicorn, targets["paths"])
            if "load" in only:
                log(f"load held: 32 connections for {seconds}s")
                checks.append(resilience.load_held(gunicorn, targets, seconds))
            if "reload" in only:
                log("gunicorn HUP twice under load")
                checks.append(resilience.reload_under_load(gunicorn, targets, 10 if args.quick else 20))
    if "postgres" in only:
        log("PostgreSQL restart under load")
        checks.append(resilience.postgres_restart())
    if only & {"uploads", "faults"}:
        # A fresh server that never recycles workers on its own: any new worker is a crash.
        with (
            server.private_redis(),
            Gunicorn(
                database, name="uploads", extra_env={**faults_env, "GUNICORN_MAX_REQUESTS": "0"}
            ) as gunicorn,
        ):
            if "uploads" in only:
                log("upload attack corpus")
                checks += resilience.attack_corpus(gunicorn, database)
            if "faults" in only:
                log("fault injection during uploads, then check_media")
                photo = images.make_photo(server.DATA / "photo-12mp.jpg").read_bytes()
                checks += resilience.faults(gunicorn, database, photo, kills=3 if args.quick else 6)
    rows = [[c.name, c.figures, "pass" if c.passed else "**FAIL**"] for c in checks]
    summary = "# Resilience suite\n\n" + table(rows, ["check", "figures", ""]) + "\n"
    (RESULTS / "resilience-latest.md").write_text(summary)
    (RESULTS / "resilience-latest.json").write_text(
        json.dumps([c.__dict__ for c in checks], indent=2, default=str)
    )
    print(summary)
    failed = [c for c in checks if not c.passed]
    log(f"{len(checks) - len(failed)}/{len(checks)} checks passed")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="page throughput, SQL plans, growth, image pipeline")
    bench.add_argument("--seconds", type=float, default=15, help="wrk duration per page (default 15)")
    bench.add_argument("--practitioners", type=int, default=100_000)
    bench.add_argument(
        "--reseed", action="store_true", help="load the databases again even if they look right"
    )
    bench.add_argument("--quick", action="store_true", help="5 s per page")
    res = sub.add_parser("resilience", help="load, reloads, PostgreSQL restart, hostile uploads, faults")
    res.add_argument("--quick", action="store_true", help="shorter load phases (20 s)")
    res.add_argument("--database", default=SMALL)
    res.add_argument("--practitioners", type=int, default=10_000)
    res.add_argument("--only", help="comma-separated phases: load,reload,postgres,uploads,faults")
    args = parser.parse_args()
    if args.command == "bench":
        if args.quick:
            args.seconds = 5
        return run_bench(args)
    return run_resilience(args)


if __name__ == "__main__":
    sys.exit(main())
