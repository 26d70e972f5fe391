"""A benchmark configuration small enough for tests: 4 methods x 2 seeds."""

from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "mirage19.py"

TINY = [
    "--dataset",
    "synthetic",
    "--n-flows",
    "300",
    "--max-epochs",
    "2",
    "--augmentations",
    "Jitter,PacketLoss",
    "--no-stack",
    "--seeds",
    "2",
    "--quiet",
    "--jobs",
    "1",
]
TINY_METHODS = {"No Aug w/o Sampler", "No Aug", "Jitter", "PacketLoss"}


def expected_keys(seeds=2):
    """Return the store keys that the tiny benchmark produces with ``seeds`` seeds."""
    return {
        ("synthetic", method, seed, 0)
        for method in TINY_METHODS
        for seed in range(seeds)
    }
