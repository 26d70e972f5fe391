"""Measure what the full study costs: one run at MIRAGE-2019 scale, and Dask speed-up.

Two measurements, written as a Markdown table to standard output (docs/scaling.md
quotes them):

1. the time of one training epoch of ``FlowCNN`` on 51,978 flows of 20 packets in 20
   classes, the size of the training part of MIRAGE-2019 split 0, on one torch thread,
   for a baseline ("No Aug", batches of 64) and an augmented method (``PacketLoss``,
   batches of 32 plus 32 copies). No MIRAGE-2019 archive is available offline, so the
   flows are synthetic with the same shape; the cost of an epoch depends only on the
   shape;
2. the wall time of the same set of benchmark runs with one and with two Dask workers,
   and the speed-up.

Usage::

    python benchmarks/scaling.py [--runs-seeds 2] [--epochs 2]
"""

import argparse
import os
import platform
import tempfile
import time

import torch

from skaug import FlowCNN, PacketLoss, make_flows
from skaug.benchmark import StudyConfig, run_benchmark, study_methods

MIRAGE19_TRAIN_FLOWS = 51_978
MIRAGE19_CLASSES = 20


def time_epochs(epochs):
    torch.set_num_threads(1)
    X, y = make_flows(
        n_flows=MIRAGE19_TRAIN_FLOWS,
        n_classes=MIRAGE19_CLASSES,
        random_state=0,
        return_X_y=True,
    )
    timings = {}
    for name, model in {
        "No Aug (batch 64)": FlowCNN(batch_size=64),
        "PacketLoss (batch 32 + 32)": FlowCNN(augmentation=PacketLoss(), batch_size=32),
    }.items():
        model.set_params(max_epochs=epochs, patience=None, random_state=0)
        model.fit(X, y)
        durations = [row["dur"] for row in model.history_]
        timings[name] = min(durations)
    return timings


def time_dask(seeds, max_epochs):
    config = StudyConfig(dataset="synthetic", n_flows=3000, max_epochs=max_epochs)
    methods = study_methods(["Jitter", "PacketLoss", "RandomMask"], stack=False)
    augmentations = methods[2:]
    walls = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            run_benchmark(
                config,
                methods,
                augmentations,
                seeds=list(range(seeds)),
                out=out,
                dask_workers=workers,
                progress=False,
            )
            walls[workers] = time.perf_counter() - start
    return walls, len(methods) * seeds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2, help="epochs timed per model")
    parser.add_argument(
        "--runs-seeds", type=int, default=2, help="seeds per method in the Dask timing"
    )
    args = parser.parse_args()

    print(
        f"Machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, torch {torch.__version__}\n"
    )
    print("| method | seconds per epoch (51,978 flows, 1 thread) |\n|---|---|")
    for name, seconds in time_epochs(args.epochs).items():
        print(f"| {name} | {seconds:.1f} |")

    walls, n_runs = time_dask(args.runs_seeds, max_epochs=10)
    print(f"\n| Dask workers | wall time for {n_runs} runs (s) |\n|---|---|")
    for workers, seconds in walls.items():
        print(f"| {workers} | {seconds:.1f} |")
    print(f"\nSpeed-up of 2 workers over 1: {walls[1] / walls[2]:.2f}x")


if __name__ == "__main__":
    main()
