"""Outputs rebuilt from the results store: CSV, CD chart, summary and report."""

import html
import logging
import os
import platform
from importlib import metadata

import numpy as np
import pandas as pd

from ._protocol import BASELINE

__all__ = ["write_outputs"]

logger = logging.getLogger(__name__)

_VERSIONED = [
    "skaug",
    "numpy",
    "scikit-learn",
    "imbalanced-learn",
    "torch",
    "skorch",
    "scikit-posthocs",
    "pandas",
]


def write_outputs(runs, out, *, methods, command, settings=None, alpha=0.05):
    """Write ``results.csv``, the CD chart, ``summary.md`` and the report.

    The files are ``results.csv``, ``cd.png``, ``cd.svg``, ``per_class_f1.png``,
    ``summary.md``, ``report.md`` and ``report.html``.

    Parameters
    ----------
    runs : pandas.DataFrame
        All stored runs (:meth:`ResultStore.to_frame`). ``results.csv`` lists them
        all; the chart and the reports cover the runs of ``methods``.
    out : pathlib.Path
        The results folder.
    methods : list of str
        Methods in the order the study lists them.
    command : str
        The command line that produced the results, recorded in the report.
    settings : dict, default=None
        The benchmark settings (:meth:`StudyConfig.as_dict`), listed in the report.
    alpha : float, default=0.05
        Significance level of the Friedman and Nemenyi tests.

    Returns
    -------
    result : CriticalDifferenceResult or None
        The CD analysis, or None when fewer than two methods have two complete seeds.
    """
    runs.to_csv(out / "results.csv", index=False)
    n_stored = len(runs)
    runs = runs[runs["method"].isin(methods)] if not runs.empty else runs
    if runs.empty:
        return None

    summary = summarize(runs, methods)
    scores = complete_blocks(runs, methods)
    result = _critical_difference(scores, alpha)

    if result is not None:
        _plot_cd(result, scores, out)
    _plot_per_class(runs, methods, out)

    (out / "summary.md").write_text(_summary_markdown(summary, result, scores))
    report = _report_markdown(summary, result, runs, command, n_stored, settings)
    (out / "report.md").write_text(report)
    table = _summary_table(summary, result).rename_axis(None).to_html(border=0)
    (out / "report.html").write_text(_markdown_to_html(report, table))
    return result


def summarize(runs, methods):
    """Return mean and std weighted F1 per method, its difference to the baseline, and
    the mean fit time, in the order of ``methods``."""
    grouped = runs.groupby("method")
    summary = pd.DataFrame(
        {
            "runs": grouped.size(),
            "mean_f1": grouped["weighted_f1"].mean() * 100,
            "std_f1": grouped["weighted_f1"].std(ddof=1) * 100,
            "fit_time_s": grouped["fit_time_s"].mean(),
            "epochs": grouped["n_epochs"].mean(),
        }
    )
    summary = summary.reindex([m for m in methods if m in summary.index])
    if BASELINE in summary.index:
        summary["diff_to_baseline"] = (
            summary["mean_f1"] - summary.loc[BASELINE, "mean_f1"]
        )
    else:
        summary["diff_to_baseline"] = np.nan
    return summary


def complete_blocks(runs, methods):
    """Pivot weighted F1 to blocks (split, seed) x methods, keeping complete blocks."""
    scores = runs.pivot_table(
        index=["split", "seed"], columns="method", values="weighted_f1"
    )
    scores = scores.reindex(columns=[m for m in methods if m in scores.columns])
    return scores.dropna(axis=0, how="any")


def _critical_difference(scores, alpha):
    from ..evaluation import critical_difference

    if scores.shape[0] < 2 or scores.shape[1] < 2:
        logger.info(
            "The CD analysis needs two methods with two complete seeds; found %d "
            "complete seeds of %d methods.",
            *scores.shape,
        )
        return None
    return critical_difference(scores, alpha=alpha)


def _plot_cd(result, scores, out):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from ..evaluation import plot_critical_difference

    baseline = BASELINE if BASELINE in scores.columns else None
    ax = plot_critical_difference(result, baseline=baseline, scores=scores)
    for suffix in ("png", "svg"):
        ax.figure.savefig(out / f"cd.{suffix}", bbox_inches="tight", dpi=150)


def _plot_per_class(runs, methods, out):
    from matplotlib.figure import Figure

    columns = [c for c in runs.columns if c.startswith("f1_")]
    table = runs.groupby("method")[columns].mean() * 100
    table = table.reindex([m for m in methods if m in table.index])
    table.columns = [c.removeprefix("f1_") for c in columns]

    figure = Figure(figsize=(1.0 + 0.45 * table.shape[1], 1.2 + 0.32 * table.shape[0]))
    ax = figure.subplots()
    image = ax.imshow(table.to_numpy(), cmap="viridis", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(table.shape[1]), table.columns, rotation=60, ha="right")
    ax.set_yticks(range(table.shape[0]), table.index)
    for (row, column), value in np.ndenumerate(table.to_numpy()):
        ax.text(
            column,
            row,
            f"{value:.0f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if value < 60 else "black",
        )
    figure.colorbar(image, ax=ax, label="mean F1 (%)")
    ax.set_title("Per-class F1 on the test split")
    figure.savefig(out / "per_class_f1.png", bbox_inches="tight", dpi=120)


def _summary_table(summary, result):
    table = pd.DataFrame(
        {
            "runs": summary["runs"],
            "weighted F1 (%)": summary["mean_f1"].map("{:.2f}".format),
            "std": summary["std_f1"].map("{:.2f}".format),
            "diff to No Aug (pts)": summary["diff_to_baseline"].map("{:+.2f}".format),
        }
    )
    if result is not None:
        table["average rank"] = result.average_ranks.reindex(table.index).map(
            "{:.2f}".format
        )
    table["fit time (s)"] = summary["fit_time_s"].map("{:.1f}".format)
    return table


def _groups_markdown(result):
    if result is None:
        return "Not enough complete seeds for the Friedman and Nemenyi tests.\n"
    lines = [
        f"Friedman chi-square {result.friedman_statistic:.2f}, "
        f"p = {result.friedman_pvalue:.3g}; critical difference {result.cd:.2f} "
        f"ranks over {result.n_blocks} seeds at alpha = {result.alpha}.",
        "",
        "Groups of methods whose average ranks are not significantly different:",
        "",
    ]
    lines += [f"- {', '.join(group)}" for group in result.groups]
    return "\n".join(lines) + "\n"


def _summary_markdown(summary, result, scores):
    return (
        "# Benchmark summary\n\n"
        + _summary_table(summary, result).to_markdown(disable_numparse=True)
        + "\n\n"
        + _groups_markdown(result)
    )


def _report_markdown(summary, result, runs, command, n_stored, settings):
    datasets = ", ".join(sorted(runs["dataset"].unique()))
    hidden = n_stored - len(runs)
    sections = [
        f"# Benchmark report: {datasets}",
        f"{len(runs)} runs, {runs['seed'].nunique()} seeds, "
        f"{runs['method'].nunique()} methods; weighted F1 on the test split."
        + (
            f" The store holds {hidden} more runs of methods not requested by this "
            "command; results.csv lists them."
            if hidden
            else ""
        ),
        "## Critical difference",
        "![critical difference chart](cd.png)" if result is not None else "",
        _groups_markdown(result),
        "## Scores",
        _summary_table(summary, result).to_markdown(disable_numparse=True),
        "## Per-class F1",
        "![per-class F1](per_class_f1.png)",
        "## Time per run",
        _time_markdown(runs["fit_time_s"]),
        "## Settings",
        _settings_markdown(settings),
        "## Reproduce",
        f"```\n{command}\n```",
        _environment_markdown(),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _markdown_to_html(markdown, table_html):
    """Render the report's own small Markdown subset, with the scores as ``table_html``.

    Only what ``_report_markdown`` writes is handled: headings, paragraphs, images,
    bullet lists, one code block and one pipe table.
    """
    body, in_code, in_list, table_done = [], False, False, False
    for line in markdown.splitlines():
        if line.startswith("```"):
            body.append("</code></pre>" if in_code else "<pre><code>")
            in_code = not in_code
            continue
        if in_code:
            body.append(html.escape(line))
            continue
        if in_list and not line.startswith("- "):
            body.append("</ul>")
            in_list = False

        if line.startswith("|"):
            if not table_done:
                body.append(table_html)
                table_done = True
        elif line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("!["):
            alt, source = line[2:-1].split("](")
            body.append(
                f'<p><img src="{html.escape(source)}" alt="{html.escape(alt)}"'
                ' style="max-width:100%"></p>'
            )
        elif line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{html.escape(line[2:])}</li>")
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    if in_list:
        body.append("</ul>")

    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>skaug benchmark'
        "</title><style>body{font-family:sans-serif;max-width:70em;margin:auto}"
        "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right}"
        "tr:nth-child(even){background:#f2f2f2}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _settings_markdown(settings):
    if not settings:
        return ""
    return "\n".join(f"- {key}: {value}" for key, value in settings.items())


def _time_markdown(fit_times):
    return (
        f"Mean fit time {fit_times.mean():.1f} s per run (min {fit_times.min():.1f} s, "
        f"max {fit_times.max():.1f} s), {fit_times.sum() / 60:.1f} min of training "
        "in total."
    )


def _environment_markdown():
    versions = []
    for name in _VERSIONED:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    return (
        f"Python {platform.python_version()}; {', '.join(versions)}.\n\n"
        f"Machine: {_cpu_model()}, {os.cpu_count()} logical cores, "
        f"{platform.system()} {platform.machine()}."
    )


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
