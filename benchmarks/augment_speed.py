"""Measure the throughput of every skaug augmentation and compare it with tsaug.

Run from the repository root::

    python benchmarks/augment_speed.py --write docs/performance.md

Each augmentation transforms the same batch of synthetic flows (``make_flows``,
64,000 flows of 20 packets by default) through ``augment(..., check_input=False)``,
as in online training. A timing is the median of ``--repeats`` runs. Every
throughput is also given as a fraction of two limits measured in the same run: a
plain copy of the flow array, and drawing one float32 random number per packet.
With ``--write FILE``, the section "## Augmentation speed" of FILE is replaced by the
results (the file is created if missing); other sections are left as they are.
"""

import argparse
import datetime
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np

from skaug.augment import AUGMENTATIONS
from skaug.datasets import make_flows
from skaug.flows import DIRECTION

SECTION = "## Augmentation speed"

# skaug augmentation -> tsaug counterpart, and the rule each pair should meet.
TSAUG_PAIRS = {
    "Jitter": ("AddNoise", "10x faster"),
    "TimeWarp": ("TimeWarp", "10x faster"),
    "WindowSlice": ("Crop + Resize", "10x faster"),
    "RandomMask": ("Dropout", "as fast"),
    "HorizontalFlip": ("Reverse", "as fast"),
}


def median_seconds(function, repeats):
    """Return the median wall time of ``repeats`` calls, after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def tsaug_augmenters(n_packets):
    """Build the tsaug counterparts, or return None when tsaug is not installed."""
    try:
        import tsaug
    except ImportError:
        return None
    crop = tsaug.Crop(size=int(0.9 * n_packets)) + tsaug.Resize(size=n_packets)
    return {
        "AddNoise": tsaug.AddNoise(scale=0.03, seed=0),
        "TimeWarp": tsaug.TimeWarp(seed=0),
        "Crop + Resize": crop,
        "Dropout": tsaug.Dropout(p=0.1, fill=0, seed=0),
        "Reverse": tsaug.Reverse(),
    }


def cpu_model():
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    match = re.search(r"model name\s*:\s*(.+)", text)
    return match.group(1).strip() if match else platform.machine()


def measure(n_flows, n_packets, repeats):
    X, y = make_flows(
        n_flows=n_flows, n_packets=n_packets, random_state=0, return_X_y=True
    )
    generator = np.random.default_rng(0)

    limits = {
        "copy": median_seconds(X.copy, repeats),
        "random": median_seconds(
            lambda: generator.random((n_flows, n_packets), dtype=np.float32), repeats
        ),
        "normal": median_seconds(
            lambda: generator.standard_normal((n_flows, n_packets), np.float32),
            repeats,
        ),
    }
    skaug_times = {}
    for name, augmentation in AUGMENTATIONS.items():
        augmenter = augmentation()
        skaug_times[name] = median_seconds(
            lambda augmenter=augmenter: augmenter.augment(
                X, y, random_state=generator, check_input=False
            ),
            repeats,
        )

    tsaug_times = {}
    augmenters = tsaug_augmenters(n_packets)
    if augmenters is not None:
        X_tsaug = np.ascontiguousarray(X.transpose(0, 2, 1))
        for name, augmenter in augmenters.items():
            tsaug_times[name] = median_seconds(
                lambda augmenter=augmenter: augmenter.augment(X_tsaug),
                max(3, repeats // 2),
            )
    full_share = float(np.mean(X[:, DIRECTION, -1] != 0))
    return full_share, limits, skaug_times, tsaug_times


def format_report(
    n_flows, n_packets, repeats, full_share, limits, skaug_times, tsaug_times
):
    rate = {name: n_flows / seconds for name, seconds in skaug_times.items()}
    copy_rate = n_flows / limits["copy"]
    random_rate = n_flows / limits["random"]
    normal_rate = n_flows / limits["normal"]
    command = "python benchmarks/augment_speed.py " + " ".join(sys.argv[1:])
    lines = [
        SECTION,
        "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}; load average "
        f"{os.getloadavg()[0]:.1f} at the end of the run (other processes share the "
        "cores, so a load above the core count slows every timing alike).",
        f"- Command: `{command.strip()}`, run on {datetime.date.today().isoformat()}.",
        f"- Data: {n_flows:,} synthetic flows of {n_packets} packets "
        "(`make_flows(random_state=0)`). Each time is the median of "
        f"{repeats} runs of `augment(X, y, random_state=generator, "
        "check_input=False)`, which includes the copy of the input. "
        f"{full_share:.0%} of the flows have no padding, which matters for "
        "HorizontalFlip: it reverses these flows with one copy of the batch and "
        "gathers the others by length.",
        f"- Machine limits in the same run: copying the flow array runs at "
        f"{copy_rate / 1e6:.1f} M flows/s, drawing one float32 random number per "
        f"packet at {random_rate / 1e6:.1f} M flows/s. The last two columns give "
        "each augmentation's throughput as a fraction of these limits. Drawing one "
        "float32 standard normal number per packet with "
        f"`Generator.standard_normal` runs at {normal_rate / 1e6:.1f} M flows/s, "
        "which would cap Jitter, with one number per packet for sizes and one for "
        f"IATs, at {normal_rate / 2 / 1e6:.1f} M flows/s. Jitter reads its noise "
        "from a table of normal quantiles instead (see its Notes).",
        "- Target: at least 1,000,000 flows/s for every augmentation.",
        "",
        "| augmentation | flows/s | time (ms) | target met | of copy "
        "| of random draw |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for name, seconds in skaug_times.items():
        met = "yes" if rate[name] >= 1e6 else "no"
        lines.append(
            f"| {name} | {rate[name]:,.0f} | {seconds * 1e3:.1f} | {met} "
            f"| {rate[name] / copy_rate:.2f} | {rate[name] / random_rate:.2f} |"
        )

    if tsaug_times:
        import tsaug

        lines += [
            "",
            f"Against tsaug {getattr(tsaug, '__version__', '')} on the same flows, "
            "laid out as (n_flows, n_packets, 3) for tsaug (the transposition is not "
            "timed):",
            "",
            "| skaug | tsaug | skaug flows/s | tsaug flows/s | speed-up | target "
            "| met |",
            "|---|---|---:|---:|---:|---|---|",
        ]
        for name, (tsaug_name, rule) in TSAUG_PAIRS.items():
            tsaug_rate = n_flows / tsaug_times[tsaug_name]
            speedup = rate[name] / tsaug_rate
            needed = 10 if rule == "10x faster" else 1
            met = "yes" if speedup >= needed else "no"
            lines.append(
                f"| {name} | {tsaug_name} | {rate[name]:,.0f} | {tsaug_rate:,.0f} "
                f"| {speedup:.1f}x | {rule} | {met} |"
            )
    return "\n".join(lines) + "\n"


def write_section(path, section):
    """Replace the augmentation-speed section of ``path``, keeping the others."""
    path = Path(path)
    text = path.read_text() if path.exists() else "# Performance\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-flows", type=int, default=64_000, help="flows per batch")
    parser.add_argument("--n-packets", type=int, default=20, help="packets per flow")
    parser.add_argument("--repeats", type=int, default=9, help="timed runs per item")
    parser.add_argument("--write", metavar="FILE", help="markdown file to update")
    args = parser.parse_args(argv)

    results = measure(args.n_flows, args.n_packets, args.repeats)
    report = format_report(args.n_flows, args.n_packets, args.repeats, *results)
    sys.stdout.write(report)
    if args.write:
        write_section(args.write, report)


if __name__ == "__main__":
    main()
