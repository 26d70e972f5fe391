"""Friedman test, Nemenyi post-hoc test and critical difference over average ranks."""

from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd
import scikit_posthocs
from scipy import stats

__all__ = ["CriticalDifferenceResult", "critical_difference"]


@dataclass(frozen=True, eq=False, repr=False)
class CriticalDifferenceResult:
    """Outcome of a Friedman test, a Nemenyi test and the critical difference.

    Built by :func:`critical_difference`; read by :func:`plot_critical_difference`.

    Attributes
    ----------
    average_ranks : pandas.Series
        Average rank of each method over the blocks, indexed by method and sorted
        best first (rank 1 is the best). Tied scores share the mean of the ranks
        they span.
    ranks : pandas.DataFrame
        Rank of each method in each block, with the index and columns of the scores.
    friedman_statistic : float
        Friedman chi-square statistic, with ``k - 1`` degrees of freedom.
    friedman_pvalue : float
        p-value of ``friedman_statistic`` under the chi-square distribution.
    iman_davenport_statistic : float
        Iman-Davenport F statistic, with ``k - 1`` and ``(k - 1)(N - 1)`` degrees of
        freedom; ``inf`` when every block ranks the methods in the same order.
    iman_davenport_pvalue : float
        p-value of ``iman_davenport_statistic`` under the F distribution.
    nemenyi_pvalues : pandas.DataFrame
        Symmetric matrix of Nemenyi p-values for every pair of methods, with the
        methods in the order of ``average_ranks``; the diagonal is 1.
    q_alpha : float
        Critical value of the Nemenyi test: the ``1 - alpha`` quantile of the
        studentized range for ``k`` groups and infinite degrees of freedom, divided
        by the square root of 2.
    cd : float
        Critical difference ``q_alpha * sqrt(k (k + 1) / (6 N))``, in rank units.
    groups : list of list
        Maximal groups of methods whose average ranks all differ by less than
        ``cd``, each ordered best first, the groups ordered by their best member. A
        method that differs significantly from every other method forms a group of
        its own.
    n_blocks : int
        Number of blocks ``N`` (seeds or datasets).
    alpha : float
        Significance level of the Nemenyi test and of ``cd``.
    """

    average_ranks: pd.Series
    ranks: pd.DataFrame
    friedman_statistic: float
    friedman_pvalue: float
    iman_davenport_statistic: float
    iman_davenport_pvalue: float
    nemenyi_pvalues: pd.DataFrame
    q_alpha: float
    cd: float
    groups: list
    n_blocks: int
    alpha: float

    @property
    def n_methods(self):
        """Number of methods ``k``."""
        return len(self.average_ranks)

    def __repr__(self):
        return (
            f"{type(self).__name__}(n_methods={self.n_methods}, "
            f"n_blocks={self.n_blocks}, alpha={self.alpha}, cd={self.cd:.4g}, "
            f"friedman_pvalue={self.friedman_pvalue:.4g}, "
            f"groups={self.groups!r})"
        )


def critical_difference(scores, alpha=0.05):
    """Rank methods over blocks and find which of them differ significantly.

    Each block (a seed, a dataset) ranks the methods by score, then the Friedman
    test checks whether the average ranks differ at all, and the Nemenyi test and
    its critical difference (CD) tell which pairs differ, as in Demsar (2006).

    Parameters
    ----------
    scores : pandas.DataFrame or array-like of shape (n_blocks, n_methods)
        One score per block (row) and method (column), higher is better, for
        example the weighted F1 of each method on each seed. The column labels name
        the methods; an array gets the labels 0, 1, ... The scores must be finite,
        with at least 2 methods, 2 blocks and unique column labels.
    alpha : float, default=0.05
        Significance level of the Nemenyi test, in (0, 1).

    Returns
    -------
    result : CriticalDifferenceResult
        Average ranks, test statistics and p-values, the CD and the groups of
        methods that are not significantly different.

    Raises
    ------
    TypeError
        If ``scores`` is not two-dimensional numeric data or ``alpha`` is not a
        real number.
    ValueError
        If ``scores`` has fewer than 2 methods or 2 blocks, duplicate method
        labels or non-finite values, or ``alpha`` is outside (0, 1).

    See Also
    --------
    plot_critical_difference : Draw the result as a critical difference chart.

    Notes
    -----
    Ties within a block get the mean of the ranks they span (1, 2.5, 2.5, 4).

    The Friedman statistic is ``12 N / (k (k + 1)) * (sum_j R_j^2 - k (k + 1)^2 / 4)``
    over the average ranks ``R_j`` of ``k`` methods on ``N`` blocks, as in Demsar
    (2006), without a correction for ties. With ties the statistic is therefore
    smaller (more conservative) than the tie-corrected one that
    :func:`scipy.stats.friedmanchisquare` returns. The Iman-Davenport statistic is
    ``(N - 1) chi2 / (N (k - 1) - chi2)``.

    The critical value ``q_alpha`` is computed from
    :data:`scipy.stats.studentized_range` (``ppf(1 - alpha, k, inf) / sqrt(2)``),
    never looked up in a table, so any ``k`` and ``alpha`` work. For ``alpha =
    0.05`` it is 2.343 for 3 methods and 2.569 for 4 methods (Table 5(a) of Demsar,
    2006).

    Two methods differ significantly when their average ranks differ by at least
    ``cd``. The Nemenyi p-values from :func:`scikit_posthocs.posthoc_nemenyi_friedman`
    use the same studentized range, so a pair has ``p <= alpha`` exactly when its
    rank difference is at least ``cd``, up to floating-point rounding at the
    boundary. ``groups`` is built from ``cd``.

    References
    ----------
    .. [1] J. Demsar, "Statistical comparisons of classifiers over multiple data
       sets", Journal of Machine Learning Research 7, pp. 1-30, 2006.
    .. [2] R. L. Iman and J. M. Davenport, "Approximations of the critical region
       of the Friedman statistic", Communications in Statistics - Theory and
       Methods 9(6), pp. 571-595, 1980.
    .. [3] P. B. Nemenyi, "Distribution-free multiple comparisons", PhD thesis,
       Princeton University, 1963.

    Examples
    --------
    >>> import pandas as pd
    >>> from skaug.evaluation import critical_difference
    >>> scores = pd.DataFrame(
    ...     {"NoAug": [0.75, 0.74, 0.76, 0.75, 0.73],
    ...      "Jitter": [0.76, 0.75, 0.75, 0.77, 0.74],
    ...      "PacketLoss": [0.79, 0.78, 0.80, 0.79, 0.77]})
    >>> result = critical_difference(scores)
    >>> result.average_ranks
    PacketLoss    1.0
    Jitter        2.2
    NoAug         2.8
    dtype: float64
    >>> round(result.cd, 3)
    1.482
    >>> result.groups
    [['PacketLoss', 'Jitter'], ['Jitter', 'NoAug']]
    """
    scores = _check_scores(scores)
    alpha = _check_alpha(alpha)
    n_blocks, n_methods = scores.shape

    ranks = scores.rank(axis=1, method="average", ascending=False)
    average_ranks = ranks.mean(axis=0).sort_values(kind="stable")
    friedman_statistic, friedman_pvalue = _friedman_test(average_ranks, n_blocks)
    iman_davenport_statistic, iman_davenport_pvalue = _iman_davenport_test(
        friedman_statistic, n_methods, n_blocks
    )

    q_alpha = _nemenyi_critical_value(n_methods, alpha)
    cd = float(q_alpha * np.sqrt(n_methods * (n_methods + 1) / (6.0 * n_blocks)))
    order = average_ranks.index
    nemenyi_pvalues = scikit_posthocs.posthoc_nemenyi_friedman(scores)
    nemenyi_pvalues = nemenyi_pvalues.loc[order, order]

    return CriticalDifferenceResult(
        average_ranks=average_ranks,
        ranks=ranks,
        friedman_statistic=friedman_statistic,
        friedman_pvalue=friedman_pvalue,
        iman_davenport_statistic=iman_davenport_statistic,
        iman_davenport_pvalue=iman_davenport_pvalue,
        nemenyi_pvalues=nemenyi_pvalues,
        q_alpha=q_alpha,
        cd=cd,
        groups=_groups_within_cd(average_ranks, cd),
        n_blocks=n_blocks,
        alpha=alpha,
    )


def _nemenyi_critical_value(n_methods, alpha):
    """Compute the Nemenyi critical value ``q_alpha`` for ``n_methods`` methods.

    The value is the ``1 - alpha`` quantile of the studentized range for
    ``n_methods`` groups and infinite degrees of freedom, divided by ``sqrt(2)``.
    """
    quantile = stats.studentized_range.ppf(1.0 - alpha, n_methods, np.inf)
    return float(quantile / np.sqrt(2.0))


def _friedman_test(average_ranks, n_blocks):
    n_methods = len(average_ranks)
    spread = (
        np.sum(average_ranks.to_numpy() ** 2) - n_methods * (n_methods + 1) ** 2 / 4
    )
    statistic = 12.0 * n_blocks / (n_methods * (n_methods + 1)) * spread
    # Rounding can leave -1e-15 when every block is a full tie.
    statistic = max(float(statistic), 0.0)
    pvalue = float(stats.chi2.sf(statistic, n_methods - 1))
    return statistic, pvalue


def _iman_davenport_test(friedman_statistic, n_methods, n_blocks):
    denominator = n_blocks * (n_methods - 1) - friedman_statistic
    # The Friedman statistic reaches N (k - 1) when every block ranks the methods in
    # the same order without ties. The F statistic is then infinite.
    if denominator <= 1e-12 * n_blocks * n_methods:
        return float("inf"), 0.0

    statistic = float((n_blocks - 1) * friedman_statistic / denominator)
    dfn = n_methods - 1
    dfd = (n_methods - 1) * (n_blocks - 1)
    return statistic, float(stats.f.sf(statistic, dfn, dfd))


def _groups_within_cd(average_ranks, cd):
    """Return the maximal runs of rank-sorted methods that span less than ``cd``.

    On sorted average ranks, "every pair differs by less than cd" holds for a set
    exactly when its best and worst members do, so the maximal such sets are runs
    of consecutive methods.
    """
    methods = list(average_ranks.index)
    values = average_ranks.to_numpy()
    groups = []
    last_end = -1
    for start in range(len(methods)):
        end = start
        while end + 1 < len(methods) and values[end + 1] - values[start] < cd:
            end += 1
        if end > last_end:
            groups.append(methods[start : end + 1])
            last_end = end
    return groups


def _check_scores(scores, name="scores"):
    """Validate ``scores`` and return a float DataFrame of blocks by methods."""
    if isinstance(scores, pd.DataFrame):
        frame = scores
    else:
        array = np.asarray(scores)
        if array.ndim != 2:
            raise TypeError(
                f"{name} must be a pandas DataFrame or a 2-D array-like of shape "
                f"(n_blocks, n_methods), got an array with {array.ndim} dimension(s) "
                f"and shape {array.shape}. Put one row per block (seed or dataset) "
                "and one column per method."
            )
        frame = pd.DataFrame(array)

    duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if duplicated:
        raise ValueError(
            f"{name} must have unique method labels, but {duplicated!r} appear more "
            "than once. Rename the duplicated columns."
        )

    non_numeric = {
        column: str(dtype)
        for column, dtype in frame.dtypes.items()
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype)
    }
    if non_numeric:
        raise TypeError(
            f"{name} must contain numeric scores, but these columns have other dtypes "
            f"(column: dtype): {non_numeric!r}. Convert them to floats, for example "
            "with DataFrame.astype(float)."
        )

    n_blocks, n_methods = frame.shape
    if n_methods < 2:
        raise ValueError(
            f"{name} must have at least 2 methods (columns), got {n_methods}. "
            "Rows are blocks and columns are methods: transpose the table if it is "
            "the other way round."
        )
    if n_blocks < 2:
        raise ValueError(
            f"{name} must have at least 2 blocks (rows), got {n_blocks}. Score every "
            "method on several seeds or datasets."
        )

    values = frame.to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(values).all():
        rows, columns = np.nonzero(~np.isfinite(values))
        block = frame.index.tolist()[rows[0]]
        method = frame.columns.tolist()[columns[0]]
        raise ValueError(
            f"{name} must be finite, but {rows.size} value(s) are NaN or infinite, "
            f"the first at (block={block!r}, method={method!r}) with value "
            f"{float(values[rows[0], columns[0]])!r}. Drop the incomplete blocks or "
            "fill in the missing runs."
        )
    return pd.DataFrame(values, index=frame.index, columns=frame.columns)


def _check_alpha(alpha):
    if isinstance(alpha, bool) or not isinstance(alpha, Real):
        raise TypeError(
            f"alpha must be a real number in (0, 1), got {alpha!r} of type "
            f"{type(alpha).__name__}. Pass a float such as 0.05."
        )
    if not 0.0 < alpha < 1.0:
        raise ValueError(
            f"alpha must be in the open interval (0, 1), got {alpha!r}. Pass a "
            "significance level such as 0.05 or 0.10."
        )
    return float(alpha)
