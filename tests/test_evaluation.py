"""Tests of the Friedman / Nemenyi / critical difference statistics and the chart."""

import dataclasses
import itertools
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from scipy import stats  # noqa: E402

from skaug.evaluation import (  # noqa: E402
    CriticalDifferenceResult,
    critical_difference,
    plot_critical_difference,
)

# Published worked example: J. Demsar, "Statistical comparisons of classifiers over
# multiple data sets", Journal of Machine Learning Research 7, pp. 1-30, 2006,
# Table 6 (AUC of C4.5 and three tuned variants on 14 UCI datasets, with the ranks
# the paper uses in brackets) and the computations of section 3.2.2 that follow it.
DEMSAR_METHODS = ["C4.5", "C4.5+m", "C4.5+cf", "C4.5+m+cf"]
DEMSAR_DATASETS = [
    "adult (sample)",
    "breast cancer",
    "breast cancer wisconsin",
    "cmc",
    "ionosphere",
    "iris",
    "liver disorders",
    "lung cancer",
    "lymphography",
    "mushroom",
    "primary tumor",
    "rheum",
    "voting",
    "wine",
]
DEMSAR_AUC = [
    [0.763, 0.768, 0.771, 0.798],
    [0.599, 0.591, 0.590, 0.569],
    [0.954, 0.971, 0.968, 0.967],
    [0.628, 0.661, 0.654, 0.657],
    [0.882, 0.888, 0.886, 0.898],
    [0.936, 0.931, 0.916, 0.931],
    [0.661, 0.668, 0.609, 0.685],
    [0.583, 0.583, 0.563, 0.625],
    [0.775, 0.838, 0.866, 0.875],
    [1.000, 1.000, 1.000, 1.000],
    [0.940, 0.962, 0.965, 0.962],
    [0.619, 0.666, 0.614, 0.669],
    [0.972, 0.981, 0.975, 0.975],
    [0.957, 0.978, 0.946, 0.970],
]
DEMSAR_RANKS = [
    [4, 3, 2, 1],
    [1, 2, 3, 4],
    [4, 1, 2, 3],
    [4, 1, 3, 2],
    [4, 2, 3, 1],
    [1, 2.5, 4, 2.5],
    [3, 2, 4, 1],
    [2.5, 2.5, 4, 1],
    [4, 3, 2, 1],
    [2.5, 2.5, 2.5, 2.5],
    [4, 2.5, 1, 2.5],
    [3, 2, 4, 1],
    # The AUCs print as 0.975 and 0.975, but the paper ranks them 2 and 3: the
    # unrounded values differ.
    [4, 1, 2, 3],
    [3, 1, 4, 2],
]
DEMSAR_AVERAGE_RANKS = {
    "C4.5": 3.143,
    "C4.5+m": 2.000,
    "C4.5+cf": 2.893,
    "C4.5+m+cf": 1.964,
}
VOTING = DEMSAR_DATASETS.index("voting")


def demsar_auc():
    return pd.DataFrame(DEMSAR_AUC, index=DEMSAR_DATASETS, columns=DEMSAR_METHODS)


def demsar_rank_scores():
    """Return the published ranks as scores (negated, since higher is better)."""
    ranks = pd.DataFrame(DEMSAR_RANKS, index=DEMSAR_DATASETS, columns=DEMSAR_METHODS)
    return -ranks


def random_scores(n_blocks=30, n_methods=6, seed=0):
    rng = np.random.default_rng(seed)
    means = np.linspace(0.70, 0.76, n_methods)
    values = means + rng.normal(0.0, 0.02, size=(n_blocks, n_methods))
    return pd.DataFrame(values, columns=[f"method {i}" for i in range(n_methods)])


# Statistics against the published example


def test_ranks_match_demsar_table():
    result = critical_difference(demsar_auc())

    for block, published in enumerate(DEMSAR_RANKS):
        if block == VOTING:
            continue
        assert result.ranks.iloc[block].tolist() == published, DEMSAR_DATASETS[block]


def test_printed_voting_tie_gets_average_rank():
    result = critical_difference(demsar_auc())

    voting = result.ranks.loc["voting"]
    assert voting["C4.5+cf"] == 2.5
    assert voting["C4.5+m+cf"] == 2.5


def test_average_ranks_match_demsar():
    result = critical_difference(demsar_rank_scores())

    assert list(result.average_ranks.index) == [
        "C4.5+m+cf",
        "C4.5+m",
        "C4.5+cf",
        "C4.5",
    ]
    for method, published in DEMSAR_AVERAGE_RANKS.items():
        assert result.average_ranks[method] == pytest.approx(published, abs=5e-4)


def test_friedman_statistics_match_demsar():
    result = critical_difference(demsar_rank_scores())

    assert result.friedman_statistic == pytest.approx(9.28, abs=5e-3)
    assert result.iman_davenport_statistic == pytest.approx(3.69, abs=5e-3)
    # The paper rejects the null hypothesis: F exceeds F(3, 39) = 2.85 at 0.05.
    assert result.iman_davenport_statistic > 2.85
    assert result.iman_davenport_pvalue < 0.05
    assert result.friedman_pvalue == pytest.approx(stats.chi2.sf(9.2786, 3), abs=1e-4)
    assert result.n_blocks == 14
    assert result.n_methods == 4


def test_cd_matches_demsar_at_five_percent():
    result = critical_difference(demsar_rank_scores(), alpha=0.05)

    assert result.q_alpha == pytest.approx(2.569, abs=1e-3)
    assert result.cd == pytest.approx(1.25, abs=5e-3)
    # "Even the difference between the best and the worst performing algorithm is
    # already smaller than that": one group contains all four.
    assert result.groups == [["C4.5+m+cf", "C4.5+m", "C4.5+cf", "C4.5"]]
    assert (result.nemenyi_pvalues.to_numpy() > 0.05).all()


def test_cd_matches_demsar_at_ten_percent():
    result = critical_difference(demsar_rank_scores(), alpha=0.10)

    assert result.q_alpha == pytest.approx(2.291, abs=1e-3)
    assert result.cd == pytest.approx(1.12, abs=5e-3)
    # C4.5 is worse than C4.5+m and C4.5+m+cf, and C4.5+cf is in both groups.
    assert result.groups == [["C4.5+m+cf", "C4.5+m", "C4.5+cf"], ["C4.5+cf", "C4.5"]]
    pvalues = result.nemenyi_pvalues
    significant = {
        frozenset(pair)
        for pair in itertools.combinations(DEMSAR_METHODS, 2)
        if pvalues.loc[pair[0], pair[1]] < 0.10
    }
    assert significant == {
        frozenset({"C4.5", "C4.5+m"}),
        frozenset({"C4.5", "C4.5+m+cf"}),
    }


@pytest.mark.parametrize(
    "n_methods, alpha, expected",
    [
        # Table 5(a) of Demsar (2006), whose entries are truncated to 3 decimals.
        (2, 0.05, 1.960),
        (3, 0.05, 2.343),
        (4, 0.05, 2.569),
        (5, 0.05, 2.728),
        (10, 0.05, 3.164),
        (2, 0.10, 1.645),
        (3, 0.10, 2.052),
        (4, 0.10, 2.291),
        (5, 0.10, 2.459),
    ],
)
def test_q_alpha_matches_published_table(n_methods, alpha, expected):
    result = critical_difference(random_scores(n_methods=n_methods), alpha=alpha)

    assert result.q_alpha == pytest.approx(expected, abs=1e-3)
    expected_cd = result.q_alpha * np.sqrt(n_methods * (n_methods + 1) / (6 * 30))
    assert result.cd == pytest.approx(expected_cd, rel=1e-12)


def test_friedman_matches_scipy_without_ties():
    scores = random_scores(n_blocks=25, n_methods=5, seed=3)
    assert not scores.apply(lambda row: row.duplicated().any(), axis=1).any()

    result = critical_difference(scores)
    reference = stats.friedmanchisquare(*scores.to_numpy().T)

    assert result.friedman_statistic == pytest.approx(reference.statistic, rel=1e-10)
    assert result.friedman_pvalue == pytest.approx(reference.pvalue, rel=1e-10)


# Properties of the result


def test_groups_are_maximal_cliques_under_cd():
    result = critical_difference(random_scores(n_blocks=12, n_methods=8, seed=5))
    ranks = result.average_ranks
    methods = list(ranks.index)

    assert len(result.groups) >= 2
    for group in result.groups:
        assert group == sorted(group, key=methods.index)
        for first, second in itertools.combinations(group, 2):
            assert abs(ranks[first] - ranks[second]) < result.cd
        outsiders = [m for m in methods if m not in group]
        for outsider in outsiders:
            assert max(abs(ranks[outsider] - ranks[m]) for m in group) >= result.cd
    covered = {method for group in result.groups for method in group}
    assert covered == set(methods)


def test_nemenyi_pvalues_agree_with_cd():
    for seed in range(5):
        result = critical_difference(random_scores(n_blocks=15, n_methods=7, seed=seed))
        ranks = result.average_ranks
        for first, second in itertools.combinations(ranks.index, 2):
            difference = abs(ranks[first] - ranks[second])
            pvalue = result.nemenyi_pvalues.loc[first, second]
            assert (pvalue <= result.alpha) == (difference >= result.cd)


def test_nemenyi_pvalues_are_ordered_symmetric():
    result = critical_difference(random_scores())
    pvalues = result.nemenyi_pvalues

    assert list(pvalues.index) == list(result.average_ranks.index)
    assert list(pvalues.columns) == list(result.average_ranks.index)
    np.testing.assert_allclose(pvalues.to_numpy(), pvalues.to_numpy().T)
    np.testing.assert_allclose(np.diag(pvalues.to_numpy()), 1.0)


def test_tied_block_gets_average_ranks():
    scores = pd.DataFrame(
        {"a": [0.9, 0.5, 0.7], "b": [0.8, 0.5, 0.7], "c": [0.1, 0.5, 0.6]}
    )
    result = critical_difference(scores)

    assert result.ranks.iloc[1].tolist() == [2.0, 2.0, 2.0]
    assert result.ranks.iloc[2].tolist() == [1.5, 1.5, 3.0]
    assert result.average_ranks["a"] == pytest.approx((1 + 2 + 1.5) / 3)


def test_all_tied_scores_give_no_difference():
    result = critical_difference(pd.DataFrame(np.full((5, 4), 0.5)))

    assert (result.average_ranks == 2.5).all()
    assert result.friedman_statistic == 0.0
    assert result.friedman_pvalue == pytest.approx(1.0)
    assert result.iman_davenport_statistic == 0.0
    assert result.groups == [[0, 1, 2, 3]]


def test_method_that_always_wins():
    rng = np.random.default_rng(1)
    scores = pd.DataFrame(rng.uniform(0.5, 0.7, size=(30, 4)), columns=list("abcd"))
    scores["winner"] = scores.max(axis=1) + 0.01
    result = critical_difference(scores)

    assert result.average_ranks.index[0] == "winner"
    assert result.average_ranks["winner"] == 1.0
    assert ["winner"] in result.groups
    assert all(len(group) == 1 for group in result.groups if "winner" in group)
    others = [m for m in scores.columns if m != "winner"]
    assert (result.nemenyi_pvalues.loc["winner", others] < 0.05).all()


def test_identical_rankings_give_infinite_f():
    scores = pd.DataFrame(np.tile([0.9, 0.8, 0.7], (10, 1)), columns=["a", "b", "c"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = critical_difference(scores)

    assert result.friedman_statistic == pytest.approx(10 * 2)
    assert result.iman_davenport_statistic == np.inf
    assert result.iman_davenport_pvalue == 0.0


def test_result_is_deterministic():
    scores = random_scores(seed=7)
    first = critical_difference(scores)
    second = critical_difference(scores.copy())

    pd.testing.assert_series_equal(first.average_ranks, second.average_ranks)
    pd.testing.assert_frame_equal(first.nemenyi_pvalues, second.nemenyi_pvalues)
    assert first.friedman_statistic == second.friedman_statistic
    assert first.cd == second.cd
    assert first.groups == second.groups


def test_column_order_does_not_matter():
    scores = random_scores(seed=8)
    shuffled = scores[list(reversed(scores.columns))]
    first = critical_difference(scores)
    second = critical_difference(shuffled)

    pd.testing.assert_series_equal(first.average_ranks, second.average_ranks)
    assert first.friedman_statistic == pytest.approx(second.friedman_statistic)
    assert first.groups == second.groups


def test_array_input_uses_integer_labels():
    scores = random_scores(n_methods=3, seed=9)
    from_frame = critical_difference(scores)
    from_array = critical_difference(scores.to_numpy().tolist())

    assert sorted(from_array.average_ranks.index) == [0, 1, 2]
    np.testing.assert_allclose(
        from_array.average_ranks.sort_index().to_numpy(),
        from_frame.average_ranks.sort_index().to_numpy(),
    )


def test_input_is_not_modified():
    scores = random_scores(seed=10)
    before = scores.copy()
    critical_difference(scores)

    pd.testing.assert_frame_equal(scores, before)


def test_result_is_frozen():
    result = critical_difference(random_scores())

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.cd = 0.0
    assert "cd=" in repr(result)


# Input validation


@pytest.mark.parametrize(
    "scores, match",
    [
        ([0.1, 0.2, 0.3], "1 dimension"),
        (np.zeros((2, 2, 2)), "3 dimension"),
        (pd.DataFrame({"a": ["x", "y"], "b": [0.1, 0.2]}), "numeric"),
        (pd.DataFrame({"a": [True, False], "b": [0.1, 0.2]}), "numeric"),
    ],
)
def test_bad_score_type_raises(scores, match):
    with pytest.raises(TypeError, match=match):
        critical_difference(scores)


@pytest.mark.parametrize(
    "scores, match",
    [
        (pd.DataFrame({"a": [0.1, 0.2, 0.3]}), "at least 2 methods.*got 1"),
        (pd.DataFrame({"a": [0.1], "b": [0.2]}), "at least 2 blocks.*got 1"),
        (pd.DataFrame({"a": [0.1, np.nan], "b": [0.2, 0.3]}), "NaN.*method='a'"),
        (pd.DataFrame({"a": [0.1, 0.2], "b": [np.inf, 0.3]}), "infinite.*inf"),
        (pd.DataFrame([[0.1, 0.2], [0.3, 0.4]], columns=["a", "a"]), "unique.*'a'"),
    ],
)
def test_bad_score_value_raises(scores, match):
    with pytest.raises(ValueError, match=match):
        critical_difference(scores)


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.05, 1.5, np.nan])
def test_alpha_out_of_range_raises(alpha):
    with pytest.raises(ValueError, match=r"alpha must be in the open interval"):
        critical_difference(random_scores(), alpha=alpha)


@pytest.mark.parametrize("alpha", ["0.05", True, None])
def test_alpha_wrong_type_raises(alpha):
    with pytest.raises(TypeError, match="alpha must be a real number"):
        critical_difference(random_scores(), alpha=alpha)


# Chart


def label_texts(ax):
    """Return the method labels: texts that are neither ticks nor the CD value."""
    return [
        text
        for text in ax.texts
        if not text.get_text().isdigit() and not text.get_text().startswith("CD")
    ]


def draw_with_agg(figure):
    """Draw ``figure`` on an Agg canvas and return its renderer."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return canvas.get_renderer()


def group_bars(ax):
    return [line for line in ax.lines if line.get_gid() == "cd-group-bar"]


def test_chart_draws_demsar_example():
    scores = demsar_auc()
    result = critical_difference(demsar_rank_scores(), alpha=0.10)
    ax = plot_critical_difference(result, baseline="C4.5", scores=scores)

    labels = {text.get_text(): text for text in label_texts(ax)}
    means = scores.mean()
    baseline_label = f"C4.5 ({100 * means['C4.5']:.1f}%)"
    best_label = f"C4.5+m+cf ({100 * (means['C4.5+m+cf'] - means['C4.5']):+.1f})"
    assert set(labels) == {
        baseline_label,
        best_label,
        f"C4.5+m ({100 * (means['C4.5+m'] - means['C4.5']):+.1f})",
        f"C4.5+cf ({100 * (means['C4.5+cf'] - means['C4.5']):+.1f})",
    }
    assert best_label.startswith("C4.5+m+cf (+")
    bold = [text for text in labels.values() if text.get_fontweight() == "bold"]
    assert [text.get_text() for text in bold] == [baseline_label]
    assert len(group_bars(ax)) == 2
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("CD")] == [
        "CD = 1.12"
    ]


def test_chart_puts_best_rank_right():
    result = critical_difference(demsar_rank_scores())
    ax = plot_critical_difference(result)
    figure = ax.figure
    renderer = draw_with_agg(figure)

    labels = {text.get_text(): text for text in label_texts(ax)}
    centre = figure.bbox.width / 2
    best = labels["C4.5+m+cf"].get_window_extent(renderer)
    worst = labels["C4.5"].get_window_extent(renderer)
    assert best.x0 > centre
    assert worst.x1 < centre
    assert labels["C4.5+m"].get_window_extent(renderer).x0 > centre
    assert labels["C4.5+cf"].get_window_extent(renderer).x1 < centre


@pytest.mark.parametrize("n_methods", [3, 22])
def test_chart_labels_fit_without_overlap(n_methods):
    scores = random_scores(n_blocks=30, n_methods=n_methods, seed=11)
    scores.columns = [f"Augmentation number {i}" for i in range(n_methods)]
    result = critical_difference(scores)
    ax = plot_critical_difference(result, baseline=scores.columns[0], scores=scores)
    figure = ax.figure
    renderer = draw_with_agg(figure)

    labels = label_texts(ax)
    assert len(labels) == n_methods
    boxes = [text.get_window_extent(renderer) for text in labels]
    for first, second in itertools.combinations(boxes, 2):
        assert not first.overlaps(second)
    for box in boxes:
        assert box.x0 >= 0
        assert box.x1 <= figure.bbox.width
        assert box.y0 >= 0
        assert box.y1 <= figure.bbox.height
    centre = figure.bbox.width / 2
    n_right = sum(box.x0 > centre for box in boxes)
    assert n_right == (n_methods + 1) // 2
    expected_bars = sum(len(group) >= 2 for group in result.groups)
    assert len(group_bars(ax)) == expected_bars


def test_chart_leaves_pyplot_alone():
    before = plt.get_fignums()
    result = critical_difference(random_scores())
    ax = plot_critical_difference(result)

    assert plt.get_fignums() == before
    assert ax.figure is not plt.gcf()


def test_chart_draws_on_given_axes():
    figure, ax = plt.subplots()
    try:
        result = critical_difference(random_scores())
        returned = plot_critical_difference(result, baseline="method 0", ax=ax)
        assert returned is ax
        assert len(label_texts(ax)) == 6
    finally:
        plt.close(figure)


def test_chart_scores_outside_unit_range():
    scores = random_scores(n_methods=3) * 100
    result = critical_difference(scores)
    ax = plot_critical_difference(result, baseline="method 0", scores=scores)

    texts = {text.get_text() for text in label_texts(ax)}
    difference = scores["method 2"].mean() - scores["method 0"].mean()
    assert f"method 2 ({difference:+.3g})" in texts
    assert f"method 0 ({scores['method 0'].mean():.3g})" in texts


def test_chart_scores_without_baseline():
    scores = random_scores(n_methods=3)
    result = critical_difference(scores)
    ax = plot_critical_difference(result, scores=scores)

    texts = {text.get_text() for text in label_texts(ax)}
    expected = {f"{m} ({100 * scores[m].mean():.1f}%)" for m in scores.columns}
    assert texts == expected
    assert all(text.get_fontweight() != "bold" for text in label_texts(ax))


def test_chart_bad_arguments_raise():
    scores = random_scores()
    result = critical_difference(scores)

    with pytest.raises(TypeError, match="CriticalDifferenceResult"):
        plot_critical_difference(scores)
    with pytest.raises(ValueError, match="baseline must be one of.*'nope'"):
        plot_critical_difference(result, baseline="nope")
    with pytest.raises(ValueError, match="methods of result"):
        plot_critical_difference(result, baseline="method 0", scores=scores.iloc[:, :3])
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot_critical_difference(result, ax="axes")


def test_result_type_is_exported():
    assert isinstance(critical_difference(random_scores()), CriticalDifferenceResult)
