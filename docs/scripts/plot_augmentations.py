"""Draw each augmentation's effect on one real flow, before and after.

Usage::

    python docs/scripts/plot_augmentations.py CERTTA_FOLDER [--out DIR]

CERTTA_FOLDER is the folder of the CertTA TII-SSRC-23 JSON files read by
:func:`skaug.datasets.load_certta`. One PNG per augmentation is written to DIR
(default ``docs/_static/augmentations``): three panels, size, direction and IAT, with
the original flow in grey and its augmented copy in colour. Mixing augmentations
draw their partner among the flows of the same class in the whole data set.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from skaug.augment import AUGMENTATIONS  # noqa: E402
from skaug.datasets import load_certta  # noqa: E402
from skaug.flows import DIRECTION, IAT, SIZE  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "_static" / "augmentations"
CHANNELS = [(SIZE, "size (bytes)"), (DIRECTION, "direction"), (IAT, "IAT (s)")]


def pick_flow(X, y, label="Video"):
    """Return the index of the first flow of ``label`` with varied IATs."""
    candidates = np.flatnonzero(y == label) if label in set(y) else np.arange(len(y))
    spread = X[candidates, IAT].std(axis=1)
    return int(candidates[np.argmax(spread > np.median(spread))])


def plot_one(name, original, augmented, path):
    positions = np.arange(original.shape[1])
    figure, axes = plt.subplots(3, 1, figsize=(6, 4.2), sharex=True, dpi=80)
    for axis, (channel, label) in zip(axes, CHANNELS):
        axis.bar(
            positions - 0.2,
            original[channel],
            width=0.4,
            color="0.65",
            label="original",
        )
        axis.bar(
            positions + 0.2, augmented[channel], width=0.4, color="tab:blue", label=name
        )
        axis.set_ylabel(label, fontsize=8)
        axis.tick_params(labelsize=7)
    axes[0].legend(fontsize=7, loc="upper right", ncol=2)
    axes[-1].set_xlabel("packet", fontsize=8)
    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.suptitle(name, fontsize=10)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("certta_folder", type=Path, help="CertTA JSON folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="random_state of each")
    args = parser.parse_args(argv)

    bunch = load_certta(args.certta_folder)
    X, y = bunch.data, bunch.target
    index = pick_flow(X, y)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, augmentation in AUGMENTATIONS.items():
        X_aug = augmentation(random_state=args.seed).augment(X, y)
        plot_one(name, X[index], X_aug[index], args.out / f"{name.lower()}.png")


if __name__ == "__main__":
    main()
