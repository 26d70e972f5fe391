"""Tests of the synthetic flow generator make_flows."""

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score

from skaug.datasets import make_flows
from skaug.flows import DIRECTION, IAT, SIZE, check_flows, packet_counts


def test_bunch_fields():
    bunch = make_flows(n_flows=500, n_classes=4, random_state=0)

    assert bunch.data.shape == (500, 3, 20)
    assert bunch.data.dtype == np.float32
    assert bunch.target.shape == (500,)
    assert bunch.target_names.tolist() == ["app_0", "app_1", "app_2", "app_3"]
    assert set(bunch.target) == set(bunch.target_names)
    assert isinstance(bunch.flows, pd.DataFrame)
    assert list(bunch.flows.columns) == ["flow_id", "label", "n_packets"]
    assert (bunch.flows["label"].to_numpy() == bunch.target).all()
    assert "synthetic" in bunch.DESCR.lower()


def test_flows_are_valid():
    X = make_flows(n_flows=1000, random_state=1).data

    check_flows(X)
    real = X[:, DIRECTION] != 0
    assert (X[:, SIZE][real] >= 1).all()
    assert (X[:, SIZE] <= 1500).all()
    assert (X[:, SIZE] == np.rint(X[:, SIZE])).all()
    assert (X[:, SIZE][~real] == 0).all()
    assert (X[:, IAT][:, 0] == 0).all()
    assert (X[:, IAT][~real] == 0).all()


def test_handshake_opens_flows():
    X = make_flows(n_flows=1000, random_state=2).data
    directions = X[:, DIRECTION]

    assert (directions[:, 0] == 1).all()
    # The server reply comes second or, after a second client hello, third.
    reply_second = directions[:, 1] == -1
    reply_third = (directions[:, 1] == 1) & (directions[:, 2] == -1)
    assert (reply_second | reply_third).all()
    assert reply_second.any()
    assert reply_third.any()


def test_some_flows_padded():
    bunch = make_flows(n_flows=1000, random_state=3)
    counts = packet_counts(bunch.data)
    lengths = bunch.flows["n_packets"].to_numpy()

    assert (counts < 20).any()
    assert (counts == 20).any()
    assert (counts == np.minimum(lengths, 20)).all()
    assert (lengths > 20).any()


def test_default_weights_imbalanced():
    bunch = make_flows(n_flows=4000, n_classes=5, random_state=4)
    counts = bunch.flows["label"].value_counts()

    assert counts["app_0"] > counts["app_1"] > counts["app_2"]
    assert counts["app_2"] > counts["app_3"] > counts["app_4"]
    assert 6 < counts["app_0"] / counts["app_4"] < 10


def test_weights_set_counts():
    bunch = make_flows(n_flows=100, n_classes=2, weights=[3, 1], random_state=0)
    counts = bunch.flows["label"].value_counts()

    assert counts["app_0"] == 75
    assert counts["app_1"] == 25


def test_every_class_present():
    bunch = make_flows(n_flows=20, n_classes=20, random_state=0)

    assert sorted(bunch.target) == bunch.target_names.tolist()
    assert bunch.target_names[0] == "app_00"


def test_deterministic():
    first = make_flows(n_flows=300, random_state=7)
    second = make_flows(n_flows=300, random_state=7)
    third = make_flows(n_flows=300, random_state=8)

    np.testing.assert_array_equal(first.data, second.data)
    np.testing.assert_array_equal(first.target, second.target)
    assert not np.array_equal(first.data, third.data)


def test_return_X_y():
    X, y = make_flows(n_flows=200, random_state=0, return_X_y=True)
    bunch = make_flows(n_flows=200, random_state=0)

    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)


@pytest.mark.parametrize("n_packets", [1, 2, 3, 32])
def test_n_packets_shapes(n_packets):
    X = make_flows(n_flows=50, n_packets=n_packets, random_state=0).data

    assert X.shape == (50, 3, n_packets)
    check_flows(X)


def test_max_size_respected():
    X = make_flows(n_flows=500, max_size=576, random_state=0).data

    assert X[:, SIZE].max() <= 576
    assert X[:, SIZE].max() > 400


def test_classes_learnable_not_separable():
    X, y = make_flows(n_flows=1500, random_state=5, return_X_y=True)
    X[:, IAT] *= 1000
    features = np.log1p(np.abs(X)).reshape(len(X), -1) * np.sign(X).reshape(len(X), -1)

    forest = RandomForestClassifier(n_estimators=60, random_state=0)
    scores = cross_val_score(forest, features, y, cv=3, scoring="accuracy")

    assert scores.mean() > 0.5
    assert scores.mean() < 0.97


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_flows": 0}, ValueError, "n_flows must be an int >= 1"),
        ({"n_flows": 2.5}, TypeError, "n_flows must be an int"),
        ({"n_classes": 1}, ValueError, "n_classes must be an int >= 2"),
        ({"n_flows": 3, "n_classes": 4}, ValueError, "n_flows must be >= n_classes"),
        ({"n_packets": 0}, ValueError, "n_packets must be an int >= 1"),
        ({"max_size": 10}, ValueError, "max_size must be an int >= 64"),
        ({"weights": [1, 2]}, ValueError, "one value per class"),
        ({"weights": [1, 0, 1, 1, 1]}, ValueError, "finite and > 0"),
        ({"weights": "abc"}, TypeError, "weights must be a sequence"),
        ({"random_state": "x"}, TypeError, "random_state"),
    ],
)
def test_invalid_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_flows(**kwargs)
