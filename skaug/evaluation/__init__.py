"""Statistical comparison of methods over seeds or datasets, and its chart.

:func:`critical_difference` ranks the methods in each block (seed or dataset), runs
the Friedman test and the Nemenyi post-hoc test, and computes the critical
difference. :func:`plot_critical_difference` draws the result as a critical
difference chart.
"""

from ._plot import plot_critical_difference
from ._statistics import CriticalDifferenceResult, critical_difference

__all__ = [
    "CriticalDifferenceResult",
    "critical_difference",
    "plot_critical_difference",
]
