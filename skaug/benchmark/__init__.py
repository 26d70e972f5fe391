"""The benchmark engine behind ``skaug-bench`` and ``benchmarks/mirage19.py``.

It plans one run per (method, seed), executes the runs in this process, in local
worker processes or on a Dask cluster, stores each finished run at once in SQLite,
and rebuilds the CSV, the critical-difference chart and the reports from the store.
"""

from ._protocol import BASELINE, NO_SAMPLER, RunSpec, StudyConfig, study_methods
from ._runner import run_benchmark
from ._store import ConfigMismatchError, ResultStore

__all__ = [
    "BASELINE",
    "NO_SAMPLER",
    "ConfigMismatchError",
    "ResultStore",
    "RunSpec",
    "StudyConfig",
    "run_benchmark",
    "study_methods",
]
