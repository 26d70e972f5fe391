"""Gaussian noise of Jitter, drawn from a table of standard normal quantiles."""

import numpy as np
import pytest
from _augment_helpers import assert_valid
from scipy import stats

from skaug.augment import Jitter
from skaug.augment._amplitude import _random_uint16, _standard_normal
from skaug.augment._packets import CHUNK_FLOWS
from skaug.datasets import load_certta
from skaug.flows import IAT, SIZE

# Standard normal quantiles at 1% and 99%, and the cut of the table's tails.
Q01, Q99 = stats.norm.ppf([0.01, 0.99])
TAIL = stats.norm.ppf(1 - 0.5 / 2**16)


@pytest.fixture(scope="module")
def real_flows(certta_path):
    bunch = load_certta(certta_path)
    return bunch.data, bunch.target


def assert_standard_normal(values, tolerance):
    """Assert that values look like draws from N(0, 1), within ``tolerance``."""
    assert abs(values.mean()) < tolerance
    assert abs(values.std() - 1) < tolerance
    low, high = np.quantile(values, [0.01, 0.99])
    assert abs(low - Q01) < 2 * tolerance
    assert abs(high - Q99) < 2 * tolerance


def test_table_noise_is_standard_normal():
    noise = _standard_normal(np.random.default_rng(0), (2_000, 1_000))
    assert noise.dtype == np.float32
    assert noise.shape == (2_000, 1_000)
    assert_standard_normal(noise.astype(np.float64), tolerance=0.005)
    assert np.abs(noise).max() <= TAIL + 1e-5
    # The table reaches beyond 4 standard deviations in about 96 of 2 million draws.
    assert (np.abs(noise) > 4).sum() > 50


def test_table_noise_passes_ks_test():
    noise = _standard_normal(np.random.default_rng(1), (200_000,))
    assert stats.kstest(noise, "norm").pvalue > 0.001


def test_table_noise_scale():
    noise = _standard_normal(np.random.default_rng(2), (1_000_000,), scale=7.5)
    assert abs(noise.std() / 7.5 - 1) < 0.005
    assert np.abs(noise).max() <= 7.5 * TAIL + 1e-4


def test_random_uint16_reads_words_little_endian():
    words = np.random.default_rng(3).bit_generator.random_raw(5)
    expected = [(int(word) >> (16 * k)) & 0xFFFF for word in words for k in range(4)]
    values = _random_uint16(np.random.default_rng(3), (18,))
    assert values.dtype == np.uint16
    assert values.tolist() == expected[:18]


def test_random_uint16_is_uniform():
    values = _random_uint16(np.random.default_rng(4), (1_024, 1_024))
    assert values.shape == (1_024, 1_024)
    high_bytes = np.bincount((values >> 8).ravel(), minlength=256)
    low_bytes = np.bincount((values & 0xFF).ravel(), minlength=256)
    assert stats.chisquare(high_bytes).pvalue > 0.001
    assert stats.chisquare(low_bytes).pvalue > 0.001


def test_jitter_size_noise_is_gaussian(real_flows):
    X, y = real_flows
    sigma, max_size = 0.02, 1500
    scale = sigma * max_size / 2
    jitter = Jitter(sigma=sigma, channels="size", max_size=max_size)
    generator = np.random.default_rng(5)
    # Sizes at least 5 noise standard deviations from 0 and max_size are never
    # clipped, since the table's tails are cut at about 4.3.
    sizes = X[:, SIZE]
    inside = (X[:, 1] != 0) & (sizes >= 5 * scale) & (sizes <= max_size - 5 * scale)
    residuals = []
    for _ in range(20):
        X_aug = jitter.augment(X, y, random_state=generator)
        residuals.append((X_aug[:, SIZE][inside] - sizes[inside]) / scale)
    residuals = np.concatenate(residuals).astype(np.float64)
    assert residuals.size > 100_000
    # Rounding to whole bytes adds a variance of 1 / 12 byte², 0.0004 in these units.
    assert_standard_normal(residuals, tolerance=0.02)
    assert np.abs(residuals).max() <= TAIL + 0.5 / scale + 1e-4
    assert np.array_equal(X_aug[:, IAT], X[:, IAT])


def test_jitter_iat_noise_follows_flow_scale(real_flows):
    X, y = real_flows
    sigma = 0.01
    scale = sigma * X[:, IAT].max(axis=1, keepdims=True) / 2
    iats = X[:, IAT]
    # Only IATs that noise never clips at 0, and never the first IAT, which stays 0.
    inside = (X[:, 1] != 0) & (iats >= 5 * scale) & (scale > 0)
    inside[:, 0] = False
    jitter = Jitter(sigma=sigma, channels="iat")
    generator = np.random.default_rng(6)
    residuals = []
    for _ in range(20):
        X_aug = jitter.augment(X, y, random_state=generator)
        scales = np.broadcast_to(scale, iats.shape)[inside]
        residuals.append((X_aug[:, IAT][inside] - iats[inside]) / scales)
    residuals = np.concatenate(residuals).astype(np.float64)
    assert residuals.size > 50_000
    # float32 IATs round the residuals slightly, hence the looser tolerance.
    assert_standard_normal(residuals, tolerance=0.03)
    assert np.array_equal(X_aug[:, SIZE], X[:, SIZE])


def test_jitter_noise_differs_across_chunks(real_flows):
    X, _ = real_flows
    # Flow k and flow k + CHUNK_FLOWS are copies, in two chunks of the batch.
    X_big = X[np.arange(2 * CHUNK_FLOWS) % CHUNK_FLOWS % len(X)]
    X_aug = Jitter(sigma=0.1).augment(X_big, random_state=0)
    assert_valid(X_aug, X_big, "Jitter")
    assert not np.array_equal(X_aug[:CHUNK_FLOWS], X_aug[CHUNK_FLOWS:])


def test_jitter_fixed_seed_is_reproducible(real_flows):
    X, y = real_flows
    first = Jitter().augment(X, y, random_state=11)
    again = Jitter().augment(X, y, random_state=11)
    other = Jitter().augment(X, y, random_state=12)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
