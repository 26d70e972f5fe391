"""Critical difference chart in the style of Demsar (2006)."""

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from ._statistics import CriticalDifferenceResult, _check_scores

__all__ = ["plot_critical_difference"]

# Vertical layout, in text rows of 1.6 times the font size.
_ROW_HEIGHT_EM = 1.6
# Horizontal room per unit of rank on a figure this function creates, in inches.
_INCHES_PER_RANK = 0.45
_MIN_AXIS_INCHES = 3.0
# Length of the horizontal part of each elbow line beyond the rank axis, in inches.
_ELBOW_INCHES = 0.25


def plot_critical_difference(
    result, *, baseline=None, scores=None, ax=None, fontsize=10.0
):
    """Draw a critical difference chart of average ranks.

    The chart follows Demsar (2006). A horizontal axis shows the average ranks,
    with rank 1 (the best) at the right end. Every method is joined to its average
    rank by an elbow line, the worse half of the methods labelled on the left and
    the better half on the right. A thick bar under the axis joins every group of
    two or more methods that are not significantly different, and a span above the
    axis shows the critical difference (CD) with its value.

    Parameters
    ----------
    result : CriticalDifferenceResult
        Output of :func:`critical_difference`.
    baseline : str or None, default=None
        Method whose label is drawn in bold, for example the training without
        augmentation.
    scores : pandas.DataFrame or None, default=None
        Scores that ``result`` was computed from (blocks by methods). When given,
        each label carries in brackets the difference between the method's mean
        score and the baseline's mean score, and the baseline's label carries its
        own mean score. Without a baseline, every label carries its own mean score.
        If every score lies in [0, 1] (accuracy, F1), the numbers are in percent
        with one decimal, for example ``Jitter (+1.2)`` (percentage points) and
        ``NoAug (75.3%)``. Other scores are shown in their own units with 3
        significant digits.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; its x and y limits are replaced and its axis lines hidden.
        When None, a new :class:`matplotlib.figure.Figure` sized for the labels is
        created, without touching pyplot's current figure.
    fontsize : float, default=10.0
        Font size of the labels, in points.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes with the chart. Save a figure this function created with
        ``ax.figure.savefig(path)``.

    Raises
    ------
    TypeError
        If ``result`` is not a :class:`CriticalDifferenceResult` or ``ax`` is not
        a matplotlib Axes.
    ValueError
        If ``baseline`` is not one of the methods, or the columns of ``scores`` are
        not the methods of ``result``.

    See Also
    --------
    critical_difference : Compute the ranks, the tests and the CD.

    Notes
    -----
    The bars join the maximal groups in ``result.groups``, which are built from the
    CD: every pair of methods in a group has average ranks less than one CD apart.
    Groups of a single method get no bar. Bars that do not overlap share a row.

    A new figure is not registered with pyplot, so ``plt.show()`` does not display
    it. In a notebook or an interactive session, pass ``ax`` from
    ``matplotlib.pyplot.subplots``. Label room is computed from the text widths at
    ``fontsize``, so on a small ``ax`` with long names the rank axis gets short.

    References
    ----------
    .. [1] J. Demsar, "Statistical comparisons of classifiers over multiple data
       sets", Journal of Machine Learning Research 7, pp. 1-30, 2006.

    Examples
    --------
    >>> import pandas as pd
    >>> from skaug.evaluation import critical_difference, plot_critical_difference
    >>> scores = pd.DataFrame(
    ...     {"NoAug": [0.75, 0.74, 0.76, 0.75, 0.73],
    ...      "Jitter": [0.76, 0.75, 0.75, 0.77, 0.74],
    ...      "PacketLoss": [0.79, 0.78, 0.80, 0.79, 0.77]})
    >>> result = critical_difference(scores)
    >>> ax = plot_critical_difference(result, baseline="NoAug", scores=scores)
    >>> [text.get_text() for text in ax.texts if "(" in text.get_text()]
    ['PacketLoss (+4.0)', 'Jitter (+0.8)', 'NoAug (74.6%)']
    >>> ax.figure.savefig("cd.png")  # doctest: +SKIP
    """
    _check_plot_arguments(result, baseline, ax)
    labels = _method_labels(result, baseline, scores)
    methods = list(result.average_ranks.index)
    n_methods = len(methods)
    n_right = math.ceil(n_methods / 2)

    font = FontProperties(size=fontsize)
    bold_font = FontProperties(size=fontsize, weight="bold")
    widths = [
        _text_inches(labels[m], bold_font if m == baseline else font) for m in methods
    ]
    right_inches = max(widths[:n_right]) + _ELBOW_INCHES + 0.1
    left_inches = max(widths[n_right:]) + _ELBOW_INCHES + 0.1
    bar_rows = _pack_bars(result.groups, result.average_ranks)
    n_bar_rows = max(bar_rows, default=-1) + 1
    row_inches = _ROW_HEIGHT_EM * fontsize / 72.0

    # Rows from the top: CD span, tick labels, axis, bars, then one row per label.
    axis_row = 2.5
    first_label_row = axis_row + 0.6 * (n_bar_rows + 1) + 0.6
    n_rows = first_label_row + n_right
    if ax is None:
        axis_inches = max(_MIN_AXIS_INCHES, _INCHES_PER_RANK * (n_methods - 1))
        figure = Figure(
            figsize=(
                axis_inches + left_inches + right_inches,
                (n_rows + 0.3) * row_inches,
            ),
            layout=None,
        )
        ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))

    width_inches, _ = _axes_inches(ax)
    # NOTE: on an ax too narrow for the labels, the rank axis keeps 20% of the
    # width and the labels extend past the axes.
    axis_inches = max(width_inches - left_inches - right_inches, 0.2 * width_inches)
    # Rank at the right end of the drawing: 1, or beyond when the CD span is longer
    # than the whole axis.
    low_end = min(1.0, n_methods - result.cd)
    rank_per_inch = (n_methods - low_end) / axis_inches
    elbow = _ELBOW_INCHES * rank_per_inch
    left_edge = n_methods + elbow
    right_edge = low_end - elbow

    ax.set_xlim(
        n_methods + left_inches * rank_per_inch, low_end - right_inches * rank_per_inch
    )
    ax.set_ylim(n_rows + 0.3, 0.0)
    ax.set_axis_off()

    _draw_rank_axis(ax, n_methods, axis_row, fontsize, rank_per_inch)
    _draw_cd_span(ax, n_methods, result.cd, fontsize)
    _draw_group_bars(ax, result.groups, result.average_ranks, bar_rows, axis_row, elbow)

    fonts = {method: bold_font if method == baseline else font for method in methods}
    _draw_method_labels(
        ax,
        result.average_ranks,
        labels,
        fonts,
        axis_row,
        first_label_row,
        edges=(left_edge, right_edge),
        pad=0.05 * rank_per_inch,
    )
    return ax


def _check_plot_arguments(result, baseline, ax):
    if not isinstance(result, CriticalDifferenceResult):
        raise TypeError(
            "result must be the CriticalDifferenceResult that critical_difference "
            f"returns, got {type(result).__name__}. Call critical_difference(scores) "
            "first."
        )
    if baseline is not None and baseline not in result.average_ranks.index:
        raise ValueError(
            f"baseline must be one of the methods {list(result.average_ranks.index)!r}"
            f", got {baseline!r}. Pass the column label of the reference method."
        )
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be a matplotlib Axes or None, got {type(ax).__name__}. Pass "
            "the axes from matplotlib.pyplot.subplots(), or None for a new figure."
        )


def _method_labels(result, baseline, scores):
    """Return each method's label, with its mean score or its difference to the
    baseline's mean score when scores are given."""
    methods = list(result.average_ranks.index)
    if scores is None:
        return {method: str(method) for method in methods}

    scores = _check_scores(scores)
    if set(scores.columns) != set(methods) or len(scores.columns) != len(methods):
        raise ValueError(
            f"scores must have the methods of result as columns, got columns "
            f"{list(scores.columns)!r} for methods {methods!r}. Pass the scores that "
            "result was computed from."
        )

    means = scores.mean(axis=0)
    values = scores.to_numpy()
    as_percent = bool(((values >= 0.0) & (values <= 1.0)).all())
    labels = {}
    for method in methods:
        if baseline is None or method == baseline:
            mean = means[method]
            text = f"{100 * mean:.1f}%" if as_percent else f"{mean:.3g}"
        elif as_percent:
            text = f"{100 * (means[method] - means[baseline]):+.1f}"
        else:
            text = f"{means[method] - means[baseline]:+.3g}"
        labels[method] = f"{method} ({text})"
    return labels


def _text_inches(text, font):
    """Estimate the width of ``text`` in inches from the font's advance widths.

    Rendered widths vary by a few percent with the dpi (glyph hinting), so the
    estimate adds 5%.
    """
    width, _, _ = text_to_path.get_text_width_height_descent(text, font, ismath=False)
    return 1.05 * width / 72.0


def _axes_inches(ax):
    position = ax.get_position()
    figure_width, figure_height = ax.figure.get_size_inches()
    return position.width * figure_width, position.height * figure_height


def _pack_bars(groups, average_ranks):
    """Assign each group of two or more methods to the first row where it fits."""
    row_ends = []
    rows = []
    for group in groups:
        if len(group) < 2:
            continue
        start = average_ranks[group[0]]
        end = average_ranks[group[-1]]
        for row, row_end in enumerate(row_ends):
            # Bars in one row need a visible gap between them.
            if start > row_end + 0.1:
                row_ends[row] = end
                rows.append(row)
                break
        else:
            row_ends.append(end)
            rows.append(len(row_ends) - 1)
    return rows


def _draw_rank_axis(ax, n_methods, axis_row, fontsize, rank_per_inch):
    """Draw the rank axis, thinning ticks and tick labels when ranks are crowded."""
    ax.plot([1, n_methods], [axis_row, axis_row], color="black", linewidth=1.0)
    label_inches = 2.5 * 0.9 * fontsize / 72.0
    label_step = next(
        (
            step
            for step in (1, 2, 5, 10, 20, 50)
            if step >= label_inches * rank_per_inch
        ),
        100,
    )
    tick_step = 0.5 if 0.5 >= 0.1 * rank_per_inch else 1.0

    for tick in np.arange(1.0, n_methods + tick_step / 2, tick_step):
        major = float(tick).is_integer()
        top = axis_row - (0.3 if major else 0.15)
        ax.plot([tick, tick], [axis_row, top], color="black", linewidth=0.8)
        if major and (tick - 1) % label_step == 0:
            ax.text(
                tick,
                top - 0.05,
                f"{int(tick)}",
                ha="center",
                va="bottom",
                fontsize=fontsize * 0.9,
            )


def _draw_cd_span(ax, n_methods, cd, fontsize):
    """Draw the CD as a span from the worst end of the axis, with its value."""
    row = 0.9
    ax.plot([n_methods, n_methods - cd], [row, row], color="black", linewidth=1.0)
    for end in (n_methods, n_methods - cd):
        ax.plot([end, end], [row - 0.15, row + 0.15], color="black", linewidth=1.0)
    ax.text(
        n_methods - cd / 2,
        row - 0.2,
        f"CD = {cd:.2f}",
        ha="center",
        va="bottom",
        fontsize=fontsize * 0.9,
    )


def _draw_method_labels(
    ax, average_ranks, labels, fonts, axis_row, first_label_row, *, edges, pad
):
    """Join each method to its average rank by an elbow line ending at its label.

    The better half goes to the right edge, best on the top row, and the worse half
    to the left edge, worst on the top row, so that no two lines cross.
    """
    left_edge, right_edge = edges
    n_methods = len(average_ranks)
    n_right = math.ceil(n_methods / 2)
    for position, (method, rank) in enumerate(average_ranks.items()):
        if position < n_right:
            row = first_label_row + position
            edge, text_x, align = right_edge, right_edge - pad, "left"
        else:
            row = first_label_row + (n_methods - 1 - position)
            edge, text_x, align = left_edge, left_edge + pad, "right"
        ax.plot([rank, rank, edge], [axis_row, row, row], color="black", linewidth=0.8)
        ax.text(
            text_x,
            row,
            labels[method],
            ha=align,
            va="center",
            fontproperties=fonts[method],
        )


def _draw_group_bars(ax, groups, average_ranks, bar_rows, axis_row, elbow):
    multi_groups = [group for group in groups if len(group) >= 2]
    # Short overhang so that a bar joining two close methods stays visible.
    overhang = min(0.3 * elbow, 0.05)
    for group, row in zip(multi_groups, bar_rows):
        y = axis_row + 0.6 * (row + 1)
        x_best = average_ranks[group[0]] - overhang
        x_worst = average_ranks[group[-1]] + overhang
        ax.plot(
            [x_worst, x_best],
            [y, y],
            color="black",
            linewidth=3.0,
            solid_capstyle="butt",
            gid="cd-group-bar",
        )
