"""Reproduce the MIRAGE-2019 augmentation study, or run it on other data.

The study (C. Wang, A. Finamore, P. Michiardi, M. Gallo and D. Rossi, "Data
Augmentation for Traffic Classification", PAM 2024, arXiv:2401.10754) trains a 1-D CNN
on the first 20 packets of each flow with two baselines ("No Aug" with the
class-weighted sampler and "No Aug w/o Sampler", batches of 2B) and with each
augmentation applied online to every batch of B flows (inject policy), over 30 seeds,
and ranks the methods by weighted F1 with Friedman and Nemenyi tests.

With no arguments it runs on synthetic flows in a few minutes; the study itself is::

    python benchmarks/mirage19.py --dataset mirage19 --data PATH/TO/MIRAGE-2019

Rerun the same command to resume an interrupted benchmark; ``--help`` lists options.
"""

import sys

from skaug.benchmark.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python benchmarks/mirage19.py"))
