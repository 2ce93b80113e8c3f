"""Gather the benchmarks' JSON files into one record: ``bench/RESULTS.md`` and ``results/record.json``.

Each section reads the files the scripts wrote (``bench/__main__`` runs them first) and states the
machine, date and commit it ran on; a file that is missing leaves its section saying so. The
headline is the goals of issue 21, each with its measured figure and, where missed, by how much.
Ratios measured in one run (a local call against the same call answered by Stubber) are the
figures to compare across machines; absolute times are context. Charts are PNGs beside the JSON.

Usage: ``.venv/bin/python bench/record.py`` (``BENCH_RESULTS=DIR`` reads and writes elsewhere).
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from _common import RESULTS, ROOT

from helpers import plots
from helpers import series as runner

RFY = "recommended-for-you"
SCALE_FACTORS = (1, 4, 16)
GOALS = {
    "series_seconds": 90.0,
    "serving_p50_ratio": 3.0,
    "serving_p99_ms": 1.0,
    "storefront_pages_per_second": 300.0,
    "storefront_p99_ms": 50.0,
    "rfy_16x_seconds": 60.0,
    "rfy_16x_gb": 4.0,
    "rfy_exponent": 1.0,
}


def machine() -> dict:
    """The machine, date and commit every figure of the record ran on."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor(),
    )
    mem_kb = next(
        (int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), 0
    )
    commit = _git("rev-parse", "--short", "HEAD")
    # what make bench itself writes (the results, this record, the documented times) is not a change
    written = (":!bench/results", ":!bench/RESULTS.md", ":!README.md", ":!docs/facilitator.md")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no", "--", ".", *written))
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
    }


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def load(name: str) -> dict | None:
    """A result file's JSON, or None if the script did not write it."""
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else None


def exponent(sizes: list[float], costs: list[float]) -> float | None:
    """The slope of log(cost) against log(size): cost grows as size to this power."""
    pairs = [(s, c) for s, c in zip(sizes, costs, strict=True) if s > 0 and c > 0]
    if len(pairs) < 2:
        return None
    x, y = np.log([s for s, _ in pairs]), np.log([c for _, c in pairs])
    return round(float(np.polyfit(x, y, 1)[0]), 2)


def gather() -> dict:
    """Every section's figures, and the goals checked against them."""
    series, serving, storefront = load("series.json"), load("serving.json"), load("storefront.json")
    rfy = {f: load(f"backend_rfy_{f}x.json") for f in SCALE_FACTORS}
    rfy_rows = [
        {
            "scale": f,
            "interactions": run["interactions"],
            "train_seconds": run["train_five_seconds"],
            "peak_rss_mb": run.get("max_rss_after_training_mb", run["max_rss_mb"]),
        }
        for f, run in rfy.items()
        if run
    ]
    scale = load("scale.json")
    exponents = {}
    if scale:
        for model in sorted({row["model"] for row in scale["rows"]}):
            rows = [row for row in scale["rows"] if row["model"] == model]
            exponents[model] = exponent([r["n_events"] for r in rows], [r["fit_seconds"] for r in rows])
    if rfy_rows:
        exponents[RFY] = exponent(
            [r["interactions"] for r in rfy_rows], [r["train_seconds"] for r in rfy_rows]
        )
    record = {
        "machine": machine(),
        "series": series,
        "serving": serving,
        "storefront": storefront,
        "scale": {
            "models": scale,
            RFY: rfy_rows,
            "large": load("backend_rfy_large.json"),
            "exponents": exponents,
        },
        "quality": {
            "synthetic": load("synthetic.json"),
            "synthetic_10x": load("synthetic_10x.json"),
            "movielens": load("public_dataset.json"),
            "movielens_boto3": load("public_dataset_boto3.json"),
            "movielens_protocols": load("quality.json"),
        },
    }
    record["goals"] = goals(record)
    return record


def goals(record: dict) -> list[dict]:
    """Each goal of issue 21: its target, what was measured, whether it is met (None: not measured)."""
    out = []

    def goal(name: str, target: str, measured: float | None, met: bool | None, unit: str = "") -> None:
        shown = "not measured" if measured is None else f"{measured:g}{unit}"
        out.append({"goal": name, "target": target, "measured": shown, "met": met})

    series = record["series"] if complete(record["series"]) else None
    total = series["total_seconds"] if series else None
    goal(
        "Series wall time", "≤ 90 s", total, None if total is None else total <= GOALS["series_seconds"], " s"
    )
    calls = (record["serving"] or {}).get("operations", {}).get("GetRecommendations")
    ratio = calls["p50_ratio"] if calls else None
    p99 = calls["local"]["p99_ms"] if calls else None
    goal("GetRecommendations p50 vs Stubber", "≤ 3×", ratio, None if ratio is None else ratio <= 3.0, "×")
    goal("GetRecommendations p99", "≤ 1 ms", p99, None if p99 is None else p99 <= 1.0, " ms")
    for mix, measured in ((record["storefront"] or {}).get("measured") or {}).items():
        goal(
            f"Storefront pages/s ({mix})",
            "≥ 300",
            measured["pages_per_second"],
            measured["pages_per_second"] >= 300,
        )
        goal(f"Storefront p99 ({mix})", "≤ 50 ms", measured["p99_ms"], measured["p99_ms"] <= 50, " ms")
        goal(f"Storefront errors ({mix})", "0", measured["errors"], measured["errors"] == 0)
    at_16 = next((r for r in record["scale"][RFY] if r["scale"] == 16), None)
    seconds = at_16["train_seconds"] if at_16 else None
    gb = round(at_16["peak_rss_mb"] / 1024, 2) if at_16 else None
    goal(
        "Recommended for you at 16×: training",
        "≤ 60 s",
        seconds,
        None if seconds is None else seconds <= 60,
        " s",
    )
    goal("Recommended for you at 16×: peak memory", "≤ 4 GB", gb, None if gb is None else gb <= 4, " GB")
    slope = record["scale"]["exponents"].get(RFY)
    goal(
        "Recommended for you: cost exponent in interactions",
        "≤ 1",
        slope,
        None if slope is None else slope <= 1.05,
    )
    return out


# --- the page -------------------------------------------------------------------------------
def table(header: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _met(met: bool | None) -> str:
    return "—" if met is None else ("met" if met else "**missed**")


def page(record: dict) -> str:
    """RESULTS.md: the headline, then Series, Serving, Scale, Quality."""
    m = record["machine"]
    parts = [
        "# Benchmarks: the record",
        "",
        "Written by `make bench` (`bench/record.py`); do not edit by hand. Every figure below ran on "
        f"**{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB**, Python {m['python']}, on "
        f"{m['date']}, commit `{m['commit']}`. The JSON beside it is `bench/results/record.json`.",
        "",
        "Ratios measured in one run (the local backend's call against the same call answered by "
        "botocore's Stubber, in the same process) are the headline: they carry across machines. "
        "Absolute times are context, and a busy machine inflates them.",
        "",
        "## Goals",
        "",
        table(
            ["Goal", "Target", "Measured", ""],
            [[g["goal"], g["target"], g["measured"], _met(g["met"])] for g in record["goals"]],
        ),
        "",
        series_section(record["series"]),
        serving_section(record["serving"], record["storefront"]),
        scale_section(record["scale"]),
        quality_section(record["quality"]),
    ]
    return "\n".join(parts).rstrip() + "\n"


def series_section(series: dict | None) -> str:
    if not series:
        return "## Series\n\nNot measured in this run.\n"
    rows = [
        [
            name,
            f"{nb['seconds']:.1f}",
            "; ".join(f"{c['seconds']:.1f} s `{c['first_line']}`" for c in nb["slowest_cells"]),
        ]
        for name, nb in series["notebooks"].items()
    ]
    rows.append(["**series**", f"**{series['total_seconds']:.1f}**", ""])
    return (
        "## Series\n\nWall time of each notebook in `make run` order (a fresh kernel each, on a fresh "
        "state), and its slowest cells (papermill's timings).\n\n"
        + table(["Notebook", "Seconds", "Slowest cells"], rows)
        + "\n"
    )


def serving_section(serving: dict | None, storefront: dict | None) -> str:
    out = ["## Serving", ""]
    if serving:
        out += [
            f"Each operation {serving['calls']:,} times through a real boto3 client on the local backend, "
            "then the same calls answered by botocore's `Stubber` (the floor of any in-process "
            "answer: botocore still builds and validates the request).",
            "",
            table(
                [
                    "Operation",
                    "Local p50 (ms)",
                    "Local p99 (ms)",
                    "Stubber p50 (ms)",
                    "Stubber p99 (ms)",
                    "p50 ratio",
                ],
                [
                    [
                        op,
                        v["local"]["p50_ms"],
                        v["local"]["p99_ms"],
                        v["stubber"]["p50_ms"],
                        v["stubber"]["p99_ms"],
                        f"{v['p50_ratio']}×",
                    ]
                    for op, v in serving["operations"].items()
                ],
            ),
            "",
            "![Serving: local backend against Stubber](results/serving.png)",
            "",
            "Where a local call's time goes (cProfile, cumulative milliseconds per call, under the "
            "profiler's own overhead):",
            "",
        ]
        for op, v in serving["operations"].items():
            out += [
                f"**{op}**",
                "",
                table(
                    ["Function", "Calls", "ms per call"],
                    [[f"`{r['function']}`", r["calls"], r["ms_per_call"]] for r in v["profile"]],
                ),
                "",
            ]
    else:
        out += ["Serving not measured in this run.", ""]
    if storefront:
        out += [
            f"**The storefront** (`python -m helpers.storefront`, {storefront['server']['workers']} workers) "
            f"under {next(iter(storefront['measured'].values()))['clients']} keep-alive clients; load "
            f"average {storefront['machine_load_average_at_start']} at the start.",
            "",
            table(
                ["Mix", "Pages/s", "p50 (ms)", "p99 (ms)", "Errors"],
                [
                    [mix, v["pages_per_second"], v["p50_ms"], v["p99_ms"], v["errors"]]
                    for mix, v in storefront["measured"].items()
                ],
            ),
            "",
        ]
    else:
        out += ["The storefront was not measured in this run.", ""]
    return "\n".join(out)


def scale_section(scale: dict) -> str:
    out = ["## Scale", ""]
    rfy = scale[RFY]
    if rfy:
        out += [
            "**Recommended for you** through boto3 (`bench/backend.py --only recommended-for-you`): "
            "upload, import, train on the local backend; peak memory is the process's.",
            "",
            table(
                ["Scale", "Interactions", "Training (s)", "Peak memory (MB)"],
                [
                    [f"{r['scale']}×", f"{r['interactions']:,}", r["train_seconds"], r["peak_rss_mb"]]
                    for r in rfy
                ],
            ),
            "",
        ]
    large = scale.get("large")
    if large:
        out += [
            f"Large run: {large['users']:,} users, {large['items']:,} items, {large['interactions']:,} "
            f"interactions: training {large['train_five_seconds']} s, peak memory "
            f"{large.get('max_rss_after_training_mb', large['max_rss_mb']):,} MB.",
            "",
        ]
    else:
        out += [
            "Large run (1,000,000 users, 100,000 items, 20,000,000 interactions): not run in this "
            "record (`BENCH_LARGE=1 make bench` runs it).",
            "",
        ]
    models = scale.get("models")
    if models:
        out += [
            "**Each model of `helpers/recsys`** fitted alone (`bench/scale.py`, a fresh process each):",
            "",
            table(
                ["Model", "Scale", "Events", "Fit (s)", "Peak memory (MB)"],
                [
                    [r["model"], f"{r['scale']}×", f"{r['n_events']:,}", r["fit_seconds"], r["max_rss_mb"]]
                    for r in models["rows"]
                ],
            ),
            "",
        ]
    if scale["exponents"]:
        out += [
            "Fitted exponent of cost against size (1 is linear):",
            "",
            table(
                ["Model", "Exponent"], [[k, "—" if v is None else v] for k, v in scale["exponents"].items()]
            ),
            "",
            "![Cost against size, log-log](results/scale.png)",
            "",
        ]
    return "\n".join(out)


_METRICS = (
    ("normalized_discounted_cumulative_gain_at_10", "NDCG@10"),
    ("precision_at_10", "Precision@10"),
    ("recall_at_10", "Recall@10"),
    ("mean_reciprocal_rank_at_25", "MRR@25"),
    ("coverage", "Coverage"),
)


def quality_section(quality: dict) -> str:
    out = ["## Quality", ""]
    for key, title in (("synthetic", "Synthetic shop (1×)"), ("synthetic_10x", "Synthetic shop (10×)")):
        data = quality[key]
        if data:
            out += [
                f"**{title}**: {data['n_users']:,} users, {data['n_items']:,} items, "
                f"{data['n_events']:,} events.",
                "",
                table(
                    ["Model", *[label for _, label in _METRICS]],
                    [[name, *[m.get(k, "—") for k, _ in _METRICS]] for name, m in data["models"].items()],
                ),
                "",
            ]
    movielens = quality["movielens"]
    if movielens:
        out += [
            f"**MovieLens 100K** (mean ± standard deviation over {len(movielens['seeds'])} seeded splits):",
            "",
            table(
                ["Model", *[label for _, label in _METRICS]],
                [
                    [name, *[_mean_std(m.get(k)) for k, _ in _METRICS]]
                    for name, m in movielens["summary"].items()
                ],
            ),
            "",
        ]
    boto3 = quality["movielens_boto3"]
    if boto3:
        rows = []
        for protocol, result in boto3["results"].items():
            for mapping, rec in result["recommender"].items():
                rows.append(
                    [protocol, f"Recommended for you ({mapping})", rec["ndcg_at_10"], rec["recall_at_10"]]
                )
            for peer, value in result["peers"].items():
                rows.append([protocol, peer, value.get("ndcg_at_10", "—"), value.get("recall_at_10", "—")])
        out += [
            "**MovieLens 100K through boto3**, Recommended for you against its peers in the same run:",
            "",
            table(["Protocol", "Model", "NDCG@10", "Recall@10"], rows),
            "",
        ]
    out += protocols_section(quality.get("movielens_protocols"))
    if len(out) == 2:
        out += ["Not measured in this run.", ""]
    return "\n".join(out)


def protocols_section(data: dict | None) -> list[str]:
    """``quality.json``'s lines: one table per protocol, then Recommended for you over the best other row."""
    if not data:
        return []
    out = [
        "**MovieLens 100K, three protocols** (`bench/quality.py`): Recommended for you as the product "
        "trains it (its own tuning, on the training part only) against peers fitted on the same "
        f"training part; EASE and ALS are at their best on the test part itself (upper bounds). "
        f"Genres: {data['genres']}.",
        "",
    ]
    for protocol in data["protocols"]:
        rows = [
            [row["model"], f"{row['ndcg_at_10']:.4f}", f"{row['recall_at_10']:.4f}", _chosen(row["chosen"])]
            for row in protocol["rows"]
        ]
        out += [
            f"*{protocol['title']}* ({protocol['protocol']}): {protocol['n_test_users']:,} test users.",
            "",
            table(["Model", "NDCG@10", "Recall@10", "Settings"], rows),
            "",
            f"Recommended for you over the best other row ({protocol['best_other']}): "
            f"**{protocol['ratio_to_best_other']}×** NDCG@10.",
            "",
        ]
    return out


def _chosen(chosen: dict | list[dict]) -> str:
    """A row's settings in words (Recommended for you's: λ, half-life and ranker per split)."""
    if isinstance(chosen, list):
        return "; ".join(_tuned(c) for c in chosen)
    return ", ".join(f"{k} {v:g}" for k, v in chosen.items()) or "—"


def _tuned(chosen: dict) -> str:
    half_life = f", half-life {chosen['half_life_days']:g} d" if chosen.get("half_life_days") else ""
    return f"λ {chosen['l2']:g}{half_life}, ranker {'kept' if chosen['ranker_kept'] else 'not kept'}"


def _mean_std(value: dict | None) -> str:
    return "—" if not value else f"{value['mean']:.4f} ± {value['std']:.4f}"


# --- charts ---------------------------------------------------------------------------------
def charts(record: dict) -> None:
    """``serving.png`` (p50 local and Stubber) and ``scale.png`` (log-log cost against size)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots.use_theme()
    serving = record["serving"]
    if serving:
        ops = list(serving["operations"])
        fig, ax = plt.subplots()
        x = np.arange(len(ops))
        ax.bar(
            x - 0.2, [serving["operations"][o]["local"]["p50_ms"] for o in ops], 0.4, label="local backend"
        )
        ax.bar(x + 0.2, [serving["operations"][o]["stubber"]["p50_ms"] for o in ops], 0.4, label="Stubber")
        ax.set_xticks(x, ops)
        ax.set(title="Local calls against the Stubber floor", ylabel="p50 latency (ms)")
        ax.legend()
        fig.savefig(RESULTS / "serving.png", bbox_inches="tight")
        plt.close(fig)
    scale = record["scale"]
    series = {}
    if scale["models"]:
        for row in scale["models"]["rows"]:
            series.setdefault(row["model"], []).append((row["n_events"], row["fit_seconds"]))
    if scale[RFY]:
        series[RFY] = [(r["interactions"], r["train_seconds"]) for r in scale[RFY]]
    series = {k: [(s, c) for s, c in v if c > 0] for k, v in series.items()}
    series = {k: v for k, v in series.items() if len(v) >= 2}
    if series:
        fig, ax = plt.subplots()
        for name, points in series.items():
            slope = scale["exponents"].get(name)
            ax.loglog(*zip(*points, strict=True), marker="o", label=f"{name} (exponent {slope})")
        ax.set(title="Training cost against size", xlabel="interactions (log)", ylabel="seconds (log)")
        ax.legend(fontsize="small")
        fig.savefig(RESULTS / "scale.png", bbox_inches="tight")
        plt.close(fig)


def complete(series: dict | None) -> bool:
    """Whether a series record covers every notebook (a quick run covers the first few)."""
    return bool(series) and set(series["notebooks"]) == {nb.stem for nb in runner.notebooks()}


_FACILITATOR_ROW = re.compile(r"^(\| \[(\d\d_\w+)\]\(notebooks/\2\.ipynb\) \| [^|]+ \| )[\d.]+ s( \|)$", re.M)
_FACILITATOR_TOTAL = re.compile(r"^(\| \*\*the series\*\* \| [^|]+ \| \*\*)[\d.]+ s(\*\* \|)$", re.M)
_README_RUN = re.compile(r"(`make run` then takes )about [\w.]+ (?:minutes|seconds|s)( for the \d+)")
_NOTEBOOK_RUN = re.compile(r"(the code runs in )[\d.]+ s( on the local backend)")


def update_docs(series: dict, root: Path = ROOT) -> None:
    """Put a complete series record's times in the facilitator guide's table, the README and each
    notebook's opening line."""
    times = {name: nb["seconds"] for name, nb in series["notebooks"].items()}
    for name, seconds in times.items():
        notebook = root / "notebooks" / f"{name}.ipynb"
        if notebook.exists():
            shown = max(1, round(seconds))
            notebook.write_text(_NOTEBOOK_RUN.sub(rf"\g<1>{shown} s\g<2>", notebook.read_text()))
    guide = root / "docs" / "facilitator.md"
    text = _FACILITATOR_ROW.sub(lambda m: f"{m[1]}{times.get(m[2], 0):.1f} s{m[3]}", guide.read_text())
    text = _FACILITATOR_TOTAL.sub(lambda m: f"{m[1]}{series['total_seconds']:.1f} s{m[2]}", text)
    guide.write_text(text)
    readme = root / "README.md"
    total = round(series["total_seconds"])
    readme.write_text(_README_RUN.sub(lambda m: f"{m[1]}about {total} seconds{m[2]}", readme.read_text()))


def main() -> None:
    record = gather()
    if complete(record["series"]) and RESULTS == Path(__file__).resolve().parent / "results":
        update_docs(record["series"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    charts(record)
    (RESULTS / "record.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    (RESULTS.parent / "RESULTS.md").write_text(page(record))
    print(f"wrote {RESULTS.parent / 'RESULTS.md'} and {RESULTS / 'record.json'}")


if __name__ == "__main__":
    main()
