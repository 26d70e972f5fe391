"""Augmentations against plain per-flow re-implementations of their definitions."""

import numpy as np
import pytest
from _augment_helpers import truncate_randomly, valid_flows
from hypothesis import given, settings

from skaug.augment import (
    HorizontalFlip,
    Interpolation,
    PacketLoss,
    Permutation,
    Retransmission,
    RTTScaling,
    TimeWarp,
    Translation,
    WindowSlice,
    WindowWarp,
)
from skaug.datasets import load_certta
from skaug.flows import IAT, packet_counts


@pytest.fixture(scope="module")
def flows(certta_path):
    bunch = load_certta(certta_path)
    return truncate_randomly(bunch.data, seed=3), bunch.target


def arrival_times(flow):
    return np.cumsum(flow[IAT].astype(np.float64))


def test_horizontal_flip_reference(flows):
    X, _ = flows
    X_aug = HorizontalFlip().augment(X)
    for flow, flipped in zip(X, X_aug):
        n = int(np.count_nonzero(flow[1]))
        assert np.array_equal(
            flipped[:2, :n], flow[:2, n - 1 :: -1] if n else flow[:2, :0]
        )
        times = arrival_times(flow)[:n]
        expected_iats = np.diff((times[-1] - times)[::-1], prepend=0)
        assert np.allclose(flipped[IAT, :n], expected_iats, atol=1e-5)
        assert not flipped[:, n:].any()


def flip_one_flow(flow):
    """Flip one flow packet by packet: the definition of HorizontalFlip."""
    flipped = np.zeros_like(flow)
    n = int(np.count_nonzero(flow[1]))
    for j in range(n):
        flipped[:2, j] = flow[:2, n - 1 - j]
        flipped[IAT, j] = flow[IAT, n - j] if j > 0 else 0
    return flipped


@settings(max_examples=100, deadline=None)
@given(data=valid_flows(max_flows=12))
def test_horizontal_flip_every_layout(data):
    X, _ = data
    X_aug = HorizontalFlip().augment(X)
    expected = np.stack([flip_one_flow(flow) for flow in X])
    assert np.array_equal(X_aug, expected)


def test_horizontal_flip_mixed_lengths(flows):
    X, _ = flows
    # Full flows, flows of every shorter length, flows without a real packet, in
    # shuffled order.
    X_mixed = np.concatenate([X, np.zeros((5, *X.shape[1:]), dtype=X.dtype)])
    X_mixed = X_mixed[np.random.default_rng(0).permutation(len(X_mixed))]
    counts = packet_counts(X_mixed)
    assert set(counts.tolist()) == set(range(X.shape[2] + 1))
    X_aug = HorizontalFlip().augment(X_mixed)
    expected = np.stack([flip_one_flow(flow) for flow in X_mixed])
    assert np.array_equal(X_aug, expected)


def test_horizontal_flip_no_packets_rejected():
    X = np.zeros((2, 3, 0), dtype=np.float32)
    with pytest.raises(ValueError, match="at least one packet position"):
        HorizontalFlip().augment(X)


def test_translation_reference(flows):
    X, _ = flows
    X_aug = Translation(max_shift=4).augment(X, random_state=0)
    for flow, shifted in zip(X, X_aug):
        n = int(np.count_nonzero(flow[1]))
        m = int(np.count_nonzero(shifted[1]))
        k = n - m
        assert (1 <= k <= 4) or n == 1
        assert np.array_equal(shifted[:2, :m], flow[:2, k:n])
        assert np.array_equal(shifted[IAT, 1:m], flow[IAT, k + 1 : n])


def test_retransmission_reference(flows):
    X, _ = flows
    X_aug = Retransmission(rto=0.25).augment(X, random_state=0)
    n_packets = X.shape[2]
    for flow, resent in zip(X, X_aug):
        n = int(np.count_nonzero(flow[1]))
        differs = np.flatnonzero((resent != flow).any(axis=0))
        if differs.size == 0:
            continue  # the copy of the last packet of a full flow falls outside
        copy = differs[0]
        assert resent[IAT, copy] == np.float32(0.25)
        assert np.array_equal(resent[:2, copy], flow[:2, copy - 1])
        expected = np.concatenate([flow[:, :copy], flow[:, copy - 1 : n]], axis=1)
        expected[IAT, copy] = np.float32(0.25)
        length = min(n + 1, n_packets)
        assert np.array_equal(resent[:, :length], expected[:, :length])


def test_packet_loss_keeps_arrival_times(flows):
    X, _ = flows
    # Sizes that number the packets tell which ones were kept.
    X = X.copy()
    X[:, 0] = (np.arange(X.shape[2]) + 1) * (X[:, 1] != 0)
    X_aug = PacketLoss(p=0.3).augment(X, random_state=0)
    for flow, lossy in zip(X, X_aug):
        n = int(np.count_nonzero(flow[1]))
        m = int(np.count_nonzero(lossy[1]))
        kept = lossy[0, :m].astype(int) - 1
        assert (np.diff(kept) > 0).all(), "kept packets out of order"
        assert np.array_equal(lossy[1, :m], flow[1, kept])
        times = arrival_times(flow)[:n]
        expected = np.diff(times[kept], prepend=times[kept[0]])
        assert np.allclose(lossy[IAT, :m], expected, atol=1e-4)


def test_permutation_moves_whole_segments(flows):
    X, _ = flows
    X_aug = Permutation(min_segments=2, max_segments=2).augment(X, random_state=0)
    for flow, permuted in zip(X, X_aug):
        n = int(np.count_nonzero(flow[1]))
        half = n // 2
        swapped = np.concatenate([flow[:, half:n], flow[:, :half]], axis=1)
        swapped[IAT, 0] = 0
        original = flow[:, :n].copy()
        assert np.array_equal(permuted[:, :n], original) or np.array_equal(
            permuted[:, :n], swapped
        )


@pytest.mark.parametrize(
    "augmenter",
    [WindowSlice(ratio=1), WindowWarp(scales=[1]), TimeWarp(sigma=0)],
    ids=["WindowSlice", "WindowWarp", "TimeWarp"],
)
def test_identity_warps_keep_flows(augmenter, flows):
    X, _ = flows
    X_aug = augmenter.augment(X, random_state=0)
    assert np.array_equal(X_aug[:, :2], X[:, :2])
    assert np.allclose(X_aug[:, IAT], X[:, IAT], atol=1e-5)


@pytest.mark.parametrize(
    "augmenter",
    [WindowWarp(window_ratio=0.3), TimeWarp(sigma=0.3)],
    ids=["WindowWarp", "TimeWarp"],
)
def test_warps_keep_duration(augmenter, flows):
    X, _ = flows
    X_aug = augmenter.augment(X, random_state=0)
    duration = X[:, IAT].astype(np.float64).sum(axis=1)
    assert np.allclose(X_aug[:, IAT].sum(axis=1), duration, rtol=1e-4, atol=1e-4)


def test_window_slice_reads_inside_flow(flows):
    X, _ = flows
    X_aug = WindowSlice(ratio=0.5).augment(X, random_state=0)
    duration = X[:, IAT].sum(axis=1)
    assert (X_aug[:, IAT].sum(axis=1) <= duration + 1e-4).all()
    assert np.array_equal(packet_counts(X_aug), packet_counts(X))
    sizes_min = np.where(X[:, 1] != 0, X[:, 0], np.inf).min(axis=1)
    sizes_max = X[:, 0].max(axis=1)
    real = X_aug[:, 1] != 0
    assert (np.where(real, X_aug[:, 0], np.inf).min(axis=1) >= sizes_min).all()
    assert (X_aug[:, 0].max(axis=1) <= sizes_max).all()


def test_rtt_scaling_factor_range(flows):
    X, _ = flows
    X_aug = RTTScaling(min_factor=0.5, max_factor=1.5).augment(X, random_state=0)
    total = X[:, IAT].sum(axis=1)
    ratio = X_aug[:, IAT].sum(axis=1)[total > 0] / total[total > 0]
    assert ratio.min() >= 0.5 - 1e-5
    assert ratio.max() <= 1.5 + 1e-5
    assert ratio.std() > 0.1


def test_interpolation_zero_fraction_is_identity(flows):
    X, y = flows
    X_aug = Interpolation(max_fraction=0).augment(X, y, random_state=0)
    assert np.array_equal(X_aug, X)
