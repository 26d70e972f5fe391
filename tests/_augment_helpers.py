"""Shared strategies and assertions for the augmentation tests."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from skaug.augment import AUGMENTATIONS, RandomChoice, Stack
from skaug.flows import DIRECTION, IAT, SIZE, check_flows, packet_counts

MIXING = {"Interpolation", "CutMix"}
# How each augmentation may change the number of real packets of a flow.
COUNT_RULES = {
    "Translation": "fewer",
    "PacketLoss": "fewer",
    "Retransmission": "one more",
}
# Deterministic augmentations: successive calls return the same flows.
DETERMINISTIC = {"HorizontalFlip"}


def all_augmenters():
    """Return (name, augmenter) for every single augmentation and both compositions."""
    singles = [(name, cls()) for name, cls in AUGMENTATIONS.items()]
    every = [cls() for cls in AUGMENTATIONS.values()]
    return [
        *singles,
        ("Stack", Stack(every, p=0.5)),
        ("RandomChoice", RandomChoice([cls() for cls in AUGMENTATIONS.values()])),
    ]


@st.composite
def valid_flows(draw, max_flows=8, max_packets=24):
    """Draw a valid flow array with flows of length 1 .. n_packets and labels."""
    n_packets = draw(st.integers(1, max_packets))
    n_flows = draw(st.integers(1, max_flows))
    shape = (n_flows, n_packets)
    lengths = np.array(
        draw(
            st.one_of(
                st.lists(st.integers(1, n_packets), min_size=n_flows, max_size=n_flows),
                st.just([n_packets] * n_flows),
                st.just([1] * n_flows),
            )
        )
    )
    sizes = draw(hnp.arrays(np.int32, shape, elements=st.integers(0, 1500)))
    directions = draw(hnp.arrays(np.int8, shape, elements=st.sampled_from([-1, 1])))
    iats = draw(
        hnp.arrays(
            np.float32,
            shape,
            elements=st.one_of(st.just(0.0), st.floats(0, 30, width=32)),
        )
    )
    X = np.zeros((n_flows, 3, n_packets), dtype=np.float32)
    real = np.arange(n_packets)[None, :] < lengths[:, None]
    X[:, SIZE] = sizes * real
    X[:, DIRECTION] = directions * real
    X[:, IAT] = iats * real
    X[:, IAT, 0] = 0
    y = np.array(
        draw(
            st.lists(
                st.sampled_from(["a", "b", "c"]), min_size=n_flows, max_size=n_flows
            )
        )
    )
    return check_flows(X), y


def truncate_randomly(X, seed=0):
    """Cut each flow to a random length in 1 .. n_packets, as shorter flows are."""
    rng = np.random.default_rng(seed)
    n_flows, _, n_packets = X.shape
    lengths = rng.integers(1, n_packets + 1, n_flows)
    lengths[: n_flows // 4] = n_packets
    lengths[n_flows // 4 : n_flows // 3] = 1
    real = (
        np.arange(n_packets)[None, :] < np.minimum(lengths, packet_counts(X))[:, None]
    )
    return check_flows(X * real[:, None, :], copy=True)


def assert_valid(X_aug, X, name, max_size=1500):
    """Assert that X_aug contains physically valid augmented copies of the flows X."""
    assert X_aug.dtype == np.float32
    assert X_aug.shape == X.shape
    check_flows(X_aug, name=f"{name} output")

    sizes, directions, iats = X_aug[:, SIZE], X_aug[:, DIRECTION], X_aug[:, IAT]
    real = directions != 0
    assert np.array_equal(sizes, np.rint(sizes)), f"{name}: sizes not integers"
    assert sizes.min() >= 0, f"{name}: negative size"
    assert sizes.max() <= max_size, f"{name}: size above {max_size}"
    assert (iats >= 0).all(), f"{name}: negative IAT"
    assert (iats[:, 0] == 0).all(), f"{name}: first IAT not 0"
    assert not sizes[~real].any(), f"{name}: size on padding"
    assert not iats[~real].any(), f"{name}: IAT on padding"

    before, after = packet_counts(X), packet_counts(X_aug)
    assert (after >= np.minimum(before, 1)).all(), f"{name}: a flow lost every packet"
    rule = COUNT_RULES.get(
        name, "same" if name not in {"Stack", "RandomChoice"} else None
    )
    if rule == "same":
        assert np.array_equal(after, before), f"{name}: packet count changed"
    elif rule == "fewer":
        assert (after <= before).all(), f"{name}: packet count grew"
    elif rule == "one more":
        assert (after >= before).all(), f"{name}: packet count shrank"
        assert (after <= before + 1).all(), f"{name}: more than one packet added"
