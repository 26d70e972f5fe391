"""Physical validity, labels, determinism and pairing of every augmentation."""

import numpy as np
import pytest
from _augment_helpers import (
    DETERMINISTIC,
    MIXING,
    all_augmenters,
    assert_valid,
    truncate_randomly,
    valid_flows,
)
from hypothesis import HealthCheck, given, settings

from skaug.augment import AUGMENTATIONS, Stack
from skaug.datasets import load_certta
from skaug.flows import SIZE

AUGMENTERS = all_augmenters()
IDS = [name for name, _ in AUGMENTERS]


@pytest.fixture(scope="module")
def real_flows(certta_path):
    bunch = load_certta(certta_path)
    return bunch.data, bunch.target


@pytest.fixture(scope="module")
def real_short_flows(real_flows):
    X, y = real_flows
    return truncate_randomly(X, seed=1), y


@pytest.mark.parametrize(("name", "augmenter"), AUGMENTERS, ids=IDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=valid_flows())
def test_random_flows_stay_valid(name, augmenter, data):
    X, y = data
    X_before = X.copy()
    X_aug = augmenter.augment(X, y, random_state=0)
    assert np.array_equal(X, X_before), "input modified"
    assert_valid(X_aug, X, name)


@pytest.mark.parametrize(("name", "augmenter"), AUGMENTERS, ids=IDS)
def test_real_flows_stay_valid(name, augmenter, real_flows, real_short_flows):
    for X, y in (real_flows, real_short_flows):
        X_before = X.copy()
        X_aug = augmenter.augment(X, y, random_state=0)
        assert np.array_equal(X, X_before), "input modified"
        assert_valid(X_aug, X, name)


@pytest.mark.parametrize(("name", "augmenter"), AUGMENTERS, ids=IDS)
def test_fit_resample_keeps_labels(name, augmenter, real_short_flows):
    X, y = real_short_flows
    X_res, y_res = augmenter.fit_resample(X, y)
    assert X_res.shape == (2 * len(X), *X.shape[1:])
    assert np.array_equal(X_res[: len(X)], X)
    assert np.array_equal(y_res, np.concatenate([y, y]))
    assert_valid(X_res[len(X) :], X, name)


@pytest.mark.parametrize(("name", "augmenter"), AUGMENTERS, ids=IDS)
def test_seed_determinism(name, augmenter, real_short_flows):
    X, y = real_short_flows
    first = augmenter.augment(X, y, random_state=7)
    again = augmenter.augment(X, y, random_state=7)
    assert np.array_equal(first, again)

    generator = np.random.default_rng(7)
    batch_1 = augmenter.augment(X, y, random_state=generator)
    batch_2 = augmenter.augment(X, y, random_state=generator)
    if name in DETERMINISTIC:
        assert np.array_equal(batch_1, batch_2)
    else:
        assert not np.array_equal(batch_1, batch_2)


@pytest.mark.parametrize(("name", "augmenter"), AUGMENTERS, ids=IDS)
def test_augmentation_changes_flows(name, augmenter, real_flows):
    X, y = real_flows
    X_aug = augmenter.augment(X, y, random_state=0)
    changed = (X_aug != X).any(axis=(1, 2)).mean()
    assert changed > 0.2, f"only {changed:.0%} of the flows changed"


def class_coded_flows(n_flows=60, n_packets=20, seed=0):
    """Flows whose sizes and IATs encode their class, with varied lengths."""
    rng = np.random.default_rng(seed)
    y = rng.choice(np.array(["a", "b", "c", "solo"]), n_flows, p=[0.5, 0.3, 0.2, 0])
    y[-1] = "solo"
    code = {"a": 100.0, "b": 700.0, "c": 1300.0, "solo": 40.0}
    lengths = rng.integers(1, n_packets + 1, n_flows)
    real = np.arange(n_packets)[None, :] < lengths[:, None]
    X = np.zeros((n_flows, 3, n_packets), dtype=np.float32)
    X[:, 0] = np.vectorize(code.get)(y)[:, None] * real
    X[:, 1] = np.where(rng.random((n_flows, n_packets)) < 0.5, 1, -1) * real
    X[:, 2] = X[:, 0] / 1000 * real
    X[:, 2, 0] = 0
    return X, y, code


@pytest.mark.parametrize("name", sorted(MIXING))
def test_mixing_pairs_same_class(name):
    X, y, code = class_coded_flows()
    X_aug = AUGMENTATIONS[name]().augment(X, y, random_state=0)
    for label, size in code.items():
        flows = X_aug[y == label]
        sizes = flows[:, SIZE][flows[:, 1] != 0]
        assert (sizes == size).all(), f"{label} flows got sizes of another class"


@pytest.mark.parametrize("name", sorted(MIXING))
def test_mixing_singleton_class_pairs_itself(name):
    X, y, _ = class_coded_flows()
    X_aug = AUGMENTATIONS[name]().augment(X, y, random_state=0)
    assert np.array_equal(X_aug[-1], X[-1])


@pytest.mark.parametrize("name", sorted(MIXING))
def test_mixing_requires_labels(name, real_flows):
    X, _ = real_flows
    with pytest.raises(ValueError, match="requires class labels y"):
        AUGMENTATIONS[name]().augment(X)
    with pytest.raises(ValueError, match="requires class labels y"):
        Stack([AUGMENTATIONS[name]()], p=1).augment(X)


def test_mixing_uses_other_flows(real_flows):
    X, y = real_flows
    X_aug = AUGMENTATIONS["Interpolation"](max_fraction=1).augment(X, y, random_state=0)
    assert (X_aug != X).any(axis=(1, 2)).mean() > 0.9
