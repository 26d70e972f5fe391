"""Measure the training-time overhead of online augmentation in FlowCNN.

Usage::

    python benchmarks/online_overhead.py [--n-flows 50000] [--repeats 3]
        [--threads 1] [--rounds 30]

One training epoch of :class:`skaug.FlowCNN` on synthetic flows is timed with each
augmentation applied online (inject policy, batches of B = 32 flows that become 64
trained flows) and without augmentation (plain batches of 64 flows). Both runs do
optimizer steps on 64 flows, but the augmented epoch does twice as many steps, so
the comparison is per step: overhead = (time per augmented step) / (time per plain
step) - 1. It is the extra cost of drawing the augmented copies, since the network
does the same work per step.

Runs are interleaved (every repeat runs every configuration, in a rotated order)
and the median per-step time over repeats is reported. The augmentation alone is
also timed on batches of 32 flows, to split the overhead into its own cost and
the rest (the larger concatenated batch, copies). Validation and early stopping are
off, so an epoch is training only.

Epoch timings drift with the machine's load, so the last column pairs steps in
time instead: rounds of 20 plain steps on 64 flows and 20 augmented steps on 32 of
them, back to back, and the median ratio over ``--rounds`` rounds. The result is a
Markdown table on stdout.
"""

import argparse
import datetime
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch

from skaug import FlowCNN, Jitter, PacketLoss, RandomMask, Stack
from skaug.datasets import make_flows


def _augmentations():
    return {
        "Jitter": Jitter(),
        "PacketLoss": PacketLoss(),
        "RandomMask": RandomMask(),
        "Stack(PacketLoss, RandomMask, Jitter; p=0.5)": Stack(
            [PacketLoss(), RandomMask(), Jitter()], p=0.5
        ),
    }


def _time_epoch(X, y, batch_size, augmentation, seed):
    clf = FlowCNN(
        augmentation=augmentation,
        batch_size=batch_size,
        max_epochs=1,
        validation_fraction=None,
        patience=None,
        random_state=seed,
    )
    clf.fit(X, y)
    epoch = clf.history[-1]
    return epoch["dur"], epoch["train_batch_count"]


def _time_augment_only(X, y, augmentation, batch_size, seed):
    generator = np.random.default_rng(seed)
    start = time.perf_counter()
    for begin in range(0, len(X), batch_size):
        augmentation.augment(
            X[begin : begin + batch_size],
            y[begin : begin + batch_size],
            random_state=generator,
            check_input=False,
        )
    return time.perf_counter() - start


def _paired_step_overhead(X, y, augmentation, seed, rounds, steps=20):
    """Time plain and augmented steps back to back and return the median ratio - 1.

    Each round times ``steps`` optimizer steps on one plain batch of 64 flows and
    ``steps`` steps on the first 32 of them with the augmentation injected, in an
    order that alternates between rounds. Pairing steps that are seconds apart
    cancels most of the slow changes in machine load that epoch timings suffer.
    """
    clf = FlowCNN(
        augmentation=augmentation,
        max_epochs=0,
        validation_fraction=None,
        patience=None,
        random_state=seed,
    ).fit(X, y)
    generator = np.random.default_rng(seed)
    ratios = []
    for round_index in range(rounds):
        index = generator.integers(len(X), size=64)
        plain = (torch.from_numpy(X[index]), torch.from_numpy(y[index]))
        small = (plain[0][:32], plain[1][:32])
        timings = {}
        order = [("plain", None), ("augmented", augmentation)]
        for name, step_augmentation in order[:: 1 if round_index % 2 else -1]:
            clf.set_params(augmentation=step_augmentation)
            batch = plain if step_augmentation is None else small
            start = time.perf_counter()
            for _ in range(steps):
                clf.train_step(batch)
            timings[name] = time.perf_counter() - start
        ratios.append(timings["augmented"] / timings["plain"])
    return statistics.median(ratios) - 1


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--n-flows", type=int, default=50_000, help="synthetic flows (default 50000)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="epochs timed per configuration"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (default 1)"
    )
    parser.add_argument(
        "--rounds", type=int, default=30, help="rounds of paired steps (default 30)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of data and runs")
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse_args(argv)
    torch.set_num_threads(args.threads)
    X, y = make_flows(
        n_flows=args.n_flows, n_classes=20, random_state=args.seed, return_X_y=True
    )
    y = np.unique(y, return_inverse=True)[1]
    configs = {
        "plain (batch 64)": (64, None),
        **{name: (32, augmentation) for name, augmentation in _augmentations().items()},
    }

    step_times = {name: [] for name in configs}
    epoch_times = {name: [] for name in configs}
    names = list(configs)
    for repeat in range(args.repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            batch_size, augmentation = configs[name]
            seconds, steps = _time_epoch(X, y, batch_size, augmentation, args.seed)
            step_times[name].append(seconds / steps)
            epoch_times[name].append(seconds)
            print(f"repeat {repeat}: {name}: {seconds:.2f} s", file=sys.stderr)

    _print_report(args, X, y, configs, step_times, epoch_times)


def _print_report(args, X, y, configs, step_times, epoch_times):
    plain_median = statistics.median(step_times["plain (batch 64)"])
    plain_best = min(step_times["plain (batch 64)"])
    command = "python benchmarks/online_overhead.py " + " ".join(sys.argv[1:])
    print(f"- date: {datetime.date.today().isoformat()}")
    print(
        f"- machine: {platform.machine()}, {os.cpu_count()} CPU cores, "
        f"{torch.get_num_threads()} torch thread(s), torch {torch.__version__}, "
        f"Python {platform.python_version()}"
    )
    print(f"- command: `{command.strip()}`")
    print(
        f"- data: {len(X)} synthetic flows (make_flows, 20 classes, 20 packets), "
        f"{args.repeats} interleaved repeats"
    )
    print()
    print(
        "| configuration | epoch (s, median) | steps | ms per step of 64 (median) "
        "| overhead (median) | overhead (best) | augment alone, ms per batch of 32 "
        "| augment alone / plain step | overhead (paired steps) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (batch_size, augmentation) in configs.items():
        step = statistics.median(step_times[name])
        epoch = statistics.median(epoch_times[name])
        steps = round(epoch / step)
        if augmentation is None:
            overhead = best = alone = share = paired = "-"
        else:
            overhead = f"{100 * (step / plain_median - 1):+.1f}%"
            best = f"{100 * (min(step_times[name]) / plain_best - 1):+.1f}%"
            seconds = _time_augment_only(X, y, augmentation, batch_size, args.seed)
            n_batches = -(-len(X) // batch_size)
            alone = f"{1000 * seconds / n_batches:.3f}"
            share = f"{100 * seconds / n_batches / plain_best:.1f}%"
            ratio = _paired_step_overhead(X, y, augmentation, args.seed, args.rounds)
            paired = f"{100 * ratio:+.1f}%"
        print(
            f"| {name} | {epoch:.1f} | {steps} | {1000 * step:.2f} | {overhead} "
            f"| {best} | {alone} | {share} | {paired} |"
        )


if __name__ == "__main__":
    main()
