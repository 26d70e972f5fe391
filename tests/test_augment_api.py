"""The scikit-learn and imbalanced-learn contract of every augmentation."""

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils import estimator_checks as checks

from skaug.augment import (
    AUGMENTATIONS,
    BaseAugmenter,
    CutMix,
    Jitter,
    PacketLoss,
    Permutation,
    RandomChoice,
    RTTScaling,
    Scaling,
    Stack,
    WindowWarp,
)
from skaug.datasets import make_flows

CATALOGUE = [
    "Jitter", "Scaling", "MagnitudeWarp", "SpikeNoise", "RTTScaling",
    "RandomMask", "WindowMask", "ChannelMask",
    "Translation", "HorizontalFlip", "Permutation", "WindowSlice", "WindowWarp",
    "TimeWarp", "PacketLoss", "Retransmission",
    "Interpolation", "CutMix",
]  # fmt: skip


def every_estimator():
    singles = [cls() for cls in AUGMENTATIONS.values()]
    return [
        *singles,
        Stack([Jitter(), ("loss", PacketLoss())], p=0.3),
        RandomChoice([Jitter(), Scaling(), Jitter(sigma=0.1)], weights=[1, 2, 1]),
    ]


ESTIMATORS = every_estimator()
IDS = [type(estimator).__name__ for estimator in ESTIMATORS]

# Checks of scikit-learn's suite that need no data. The others
# (check_fit_score_takes_y, check_estimators_overwrite_params,
# check_dont_overwrite_parameters, check_estimators_fit_returns_self,
# check_readonly_memmap_input, check_n_features_in_after_fitting and the
# data checks that parametrize_with_checks yields) build 2-D X, which flow arrays
# (n_flows, 3, n_packets) are not; parametrize_with_checks yields no check at all for
# an estimator whose two_d_array tag is False. The 3-D versions are written below.
API_CHECKS = [
    checks.check_estimator_cloneable,
    checks.check_estimator_tags_renamed,
    checks.check_valid_tag_types,
    checks.check_estimator_repr,
    checks.check_no_attributes_set_in_init,
    checks.check_do_not_raise_errors_in_init_or_set_params,
    checks.check_mixin_order,
    checks.check_get_params_invariance,
    checks.check_set_params,
]


@pytest.fixture(scope="module")
def flows():
    return make_flows(n_flows=300, random_state=0, return_X_y=True)


def test_registry_follows_catalogue():
    assert list(AUGMENTATIONS) == CATALOGUE
    for name, cls in AUGMENTATIONS.items():
        assert cls.__name__ == name
        assert issubclass(cls, BaseAugmenter)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize("check", API_CHECKS, ids=lambda check: check.__name__)
def test_sklearn_api_checks(estimator, check):
    check(type(estimator).__name__, clone(estimator))


@pytest.mark.parametrize("cls", AUGMENTATIONS.values(), ids=list(AUGMENTATIONS))
def test_default_constructible(cls):
    checks.check_parameters_default_constructible(cls.__name__, cls())


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_fit_returns_self_and_keeps_params(estimator, flows):
    X, y = flows
    estimator = clone(estimator)
    params = estimator.get_params(deep=False)
    assert estimator.fit(X, y) is estimator
    after = estimator.get_params(deep=False)
    assert after.keys() == params.keys()
    for key, value in params.items():
        assert after[key] is value
    public = {key for key in vars(estimator) if not key.startswith("_")}
    assert public == set(params)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_readonly_input(estimator, flows, tmp_path):
    X, y = flows
    memmap = np.lib.format.open_memmap(
        tmp_path / "X.npy", mode="w+", dtype=np.float32, shape=X.shape
    )
    memmap[:] = X
    memmap.flush()
    readonly = np.load(tmp_path / "X.npy", mmap_mode="r")
    X_res, _ = clone(estimator).set_params(random_state=0).fit_resample(readonly, y)
    assert X_res.shape[0] == 2 * len(X)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_clone_keeps_params(estimator):
    cloned = clone(estimator)
    assert cloned is not estimator
    assert repr(cloned) == repr(estimator)


@pytest.mark.parametrize(
    ("estimator", "param", "value", "rule"),
    [
        (Jitter(sigma=-1), "sigma", "-1", "range"),
        (Jitter(channels="direction"), "channels", "'direction'", "str among"),
        (PacketLoss(p=1.5), "p", "1.5", "range"),
        (RTTScaling(min_factor=2, max_factor=1), "min_factor", "min_factor=2", "<="),
        (Permutation(min_segments=5, max_segments=2), "min_segments", "=5", "<="),
        (WindowWarp(scales=(0.5, -2)), "scales", "-2", "> 0"),
        (CutMix(alpha=0), "alpha", "0", "range"),
        (Stack([Jitter()], p=2), "p", "2", "range"),
        (Stack([]), "augmentations", "empty", "at least one"),
        (RandomChoice([Jitter()], weights=[1, 1]), "weights", "[1, 1]", "one finite"),
    ],
)
def test_invalid_param_message(estimator, param, value, rule, flows):
    X, y = flows
    with pytest.raises(ValueError) as info:
        estimator.fit_resample(X, y)
    message = str(info.value)
    assert f"'{param}' parameter" in message
    assert value in message
    assert rule in message


def test_invalid_step_type(flows):
    X, y = flows
    with pytest.raises(TypeError, match="augmenters or \\(name, augmenter\\) pairs"):
        Stack([Jitter(), "noise"]).fit_resample(X, y)


def test_duplicate_step_names(flows):
    X, y = flows
    with pytest.raises(ValueError, match="must be unique"):
        Stack([("a", Jitter()), ("a", Scaling())]).fit_resample(X, y)


def test_invalid_random_state(flows):
    X, y = flows
    with pytest.raises(ValueError, match="random_state"):
        Jitter(random_state="seed").fit_resample(X, y)


def test_composition_nested_params():
    stack = Stack([Jitter(), PacketLoss(), Jitter(sigma=0.5)], p=0.7)
    params = stack.get_params()
    assert params["jitter-1"] is stack.augmentations[0]
    assert params["jitter-2__sigma"] == 0.5
    assert params["packetloss__p"] == 0.1

    stack.set_params(packetloss__p=0.3, p=0.2)
    assert stack.augmentations[1].p == 0.3
    assert stack.p == 0.2

    named = Stack([("noise", Jitter()), ("loss", PacketLoss())])
    named.set_params(noise__sigma=0.1, loss=Scaling())
    assert named.augmentations[0][1].sigma == 0.1
    assert isinstance(named.augmentations[1][1], Scaling)
    assert named.augmentations[1][0] == "loss"


def test_composition_clone_is_deep():
    stack = Stack([Jitter(sigma=0.2), ("loss", PacketLoss(p=0.3))], p=0.4)
    cloned = clone(stack)
    assert cloned.augmentations[0] is not stack.augmentations[0]
    assert cloned.augmentations[1][1] is not stack.augmentations[1][1]
    assert cloned.get_params()["jitter__sigma"] == 0.2
    assert cloned.get_params()["loss__p"] == 0.3
    cloned.set_params(jitter__sigma=0.9)
    assert stack.augmentations[0].sigma == 0.2


def test_stack_probabilities(flows):
    X, y = flows
    unchanged = Stack([Jitter(sigma=0.5)], p=0).augment(X, y, random_state=0)
    assert np.array_equal(unchanged, X)
    changed = Stack([Jitter(sigma=0.5)], p=1).augment(X, y, random_state=0)
    assert (changed != X).any(axis=(1, 2)).all()
    half = Stack([Jitter(sigma=0.5)], p=0.5).augment(X, y, random_state=0)
    share = (half != X).any(axis=(1, 2)).mean()
    assert 0.35 < share < 0.65


def test_random_choice_weights(flows):
    X, y = flows
    choice = RandomChoice([Jitter(sigma=0.5), RTTScaling(2, 2)], weights=[0, 1])
    X_aug = choice.augment(X, y, random_state=0)
    assert np.array_equal(X_aug[:, 0], X[:, 0])
    assert np.allclose(X_aug[:, 2], 2 * X[:, 2])


def flatten(X):
    return np.log1p(np.abs(X)).reshape(len(X), -1) * np.sign(X).reshape(len(X), -1)


@pytest.mark.parametrize(
    ("augmenter", "grid"),
    [
        (Jitter(), {"aug__sigma": [0.01, 0.1]}),
        (
            Stack([Jitter(), PacketLoss()]),
            {"aug__p": [0.2, 0.8], "aug__jitter__sigma": [0.05]},
        ),
        (CutMix(), {"aug__alpha": [0.5, 2.0]}),
    ],
    ids=["Jitter", "Stack", "CutMix"],
)
def test_grid_search_in_pipeline(augmenter, grid, flows):
    X, y = flows
    pipeline = Pipeline(
        [
            ("aug", augmenter.set_params(random_state=0)),
            ("flatten", FunctionTransformer(flatten)),
            ("scale", StandardScaler()),
            ("clf", LogisticRegression(max_iter=200)),
        ]
    )
    search = GridSearchCV(pipeline, grid, cv=2).fit(X, y)
    assert set(search.best_params_) == set(grid)
    assert search.predict(X).shape == y.shape
    assert 0 <= search.best_score_ <= 1
