"""Amplitude augmentations: change the values of sizes and IATs."""

import functools
import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..flows import DEFAULT_MAX_SIZE, IAT, SIZE
from ._base import BaseAugmenter
from ._packets import (
    count_real_packets,
    finalize_iats,
    finalize_sizes,
    flow_chunks,
    flow_max,
    real_packets,
    smooth_curves,
)

__all__ = ["Jitter", "MagnitudeWarp", "RTTScaling", "Scaling", "SpikeNoise"]

_CHANNELS = {"both": (SIZE, IAT), "size": (SIZE,), "iat": (IAT,)}


class _AmplitudeAugmenter(BaseAugmenter):
    """Shared parameters and final clean-up of the amplitude family."""

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "channels": [StrOptions(set(_CHANNELS))],
        "max_size": [Interval(Real, 1, None, closed="left")],
    }

    def _augment(self, X, y, generator):
        real = real_packets(X)
        mask = real.astype(X.dtype)
        channels = _CHANNELS[self.channels]
        for channel in channels:
            # The new values are a contiguous array: rounding and clipping it costs
            # less than working on the strided channel of X.
            values = self._changed_channel(X, channel, generator)
            if channel == SIZE:
                np.rint(values, out=values)
                np.clip(values, 0, self.max_size, out=values)
            else:
                np.maximum(values, 0, out=values)
                values[:, 0] = 0
            np.multiply(values, mask, out=X[:, channel])

        if SIZE not in channels:
            finalize_sizes(X, self.max_size, real)
        if IAT not in channels:
            finalize_iats(X, real)
        return X

    def _changed_channel(self, X, channel, generator):
        """Return the changed values of one channel (``SIZE`` or ``IAT``) of ``X``.

        The result is a new float32 array of shape (n_flows, n_packets), before
        rounding, clipping and zeroing of the padding. ``X`` is not modified.
        """
        raise NotImplementedError


# Bits of the uniform integers that index the table of standard normal quantiles.
_NOISE_BITS = 16


@functools.lru_cache(maxsize=1)
def _normal_quantiles():
    # The quantiles of N(0, 1) at the midpoints (i + 0.5) / 2**16 of 2**16 equal
    # slices of probability. Reading the table at a uniform random index draws a
    # standard normal number rounded to its slice (inverse transform sampling).
    from scipy.special import ndtri

    n_values = 2**_NOISE_BITS
    probabilities = (np.arange(n_values) + 0.5) / n_values
    quantiles = ndtri(probabilities).astype(np.float32)
    quantiles.setflags(write=False)
    return quantiles


def _random_uint16(generator, shape):
    # Uniform 16-bit integers cut from the raw 64-bit output of the bit generator,
    # about 1.7 times faster than generator.integers(0, 2**16, shape, np.uint16)
    # (numpy 2.4). Reading the words as little-endian gives the same integers for a
    # seed on every platform.
    n_values = math.prod(shape)
    words = generator.bit_generator.random_raw(-(-n_values // 4))
    words = words.astype("<u8", copy=False)
    return words.view("<u2")[:n_values].reshape(shape)


def _standard_normal(generator, shape, scale=1):
    """Draw float32 numbers from N(0, scale**2) by lookup in a table of quantiles.

    Each number is the entry of :func:`_normal_quantiles` at a uniform 16-bit index.
    For 1.28 million numbers, this was about six times faster than
    ``generator.standard_normal(shape, np.float32)`` (numpy 2.4). ``scale`` is a
    scalar, applied to the table before the lookup.
    """
    table = _normal_quantiles()
    if scale != 1:
        table = table * np.float32(scale)
    return np.take(table, _random_uint16(generator, shape))


def _channel_scale(X, channel, max_size):
    # Scale of a channel: half the largest size, which maps sizes to [-1, 1], and for
    # IATs half the largest IAT of each flow, since IATs have no fixed upper bound.
    if channel == SIZE:
        return np.float32(max_size / 2)
    return flow_max(X[:, IAT])[:, None] / 2


class Jitter(_AmplitudeAugmenter):
    """Add Gaussian noise to packet sizes and IATs.

    The noise is scaled to each channel so that one ``sigma`` fits both: on sizes its
    standard deviation is ``sigma * max_size / 2`` bytes, which equals ``sigma`` on
    sizes rescaled to [-1, 1]; on IATs it is ``sigma`` times half the largest IAT of
    the flow. Sizes are then rounded to whole bytes and clipped to [0, max_size], and
    IATs are clipped at 0, the first IAT staying 0. Directions and padding are
    unchanged.

    Parameters
    ----------
    sigma : float, default=0.03
        Noise level relative to each channel's scale (see above). 0.03 is the
        time-series default of Iwana and Uchida for data scaled to [-1, 1].
    channels : {"both", "size", "iat"}, default="both"
        Channels that receive noise.
    max_size : int, default=1500
        Largest valid packet size in bytes.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the noise in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

    Notes
    -----
    The Gaussian numbers are drawn by inverse transform sampling from a table: a
    uniform 16-bit integer ``i`` gives the standard normal quantile at probability
    ``(i + 0.5) / 65536``. Each number is thus exact up to the rounding of its
    probability to 1/65536, and the tails are cut at about 4.3 standard deviations,
    beyond which a standard normal number lies with probability 1.5e-5. The
    table's standard deviation is 1 - 1e-5. Drawing the noise this way was about
    six times faster than with ``Generator.standard_normal`` (numpy 2.4).

    References
    ----------
    .. [1] B. K. Iwana and S. Uchida, "An empirical survey of data augmentation for
       time series classification with neural networks", PLOS ONE 16(7), 2021.

    Examples
    --------
    >>> from skaug import Jitter, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_res, y_res = Jitter(random_state=0).fit_resample(X, y)
    >>> X_res.shape
    (200, 3, 20)
    """

    _parameter_constraints = {
        **_AmplitudeAugmenter._parameter_constraints,
        "sigma": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        sigma=0.03,
        *,
        channels="both",
        max_size=DEFAULT_MAX_SIZE,
        random_state=None,
    ):
        super().__init__(random_state=random_state)
        self.sigma = sigma
        self.channels = channels
        self.max_size = max_size

    def _augment(self, X, y, generator):
        # Chunks of flows keep the noise and the other temporary arrays in the CPU
        # cache. The labels do not change the noise.
        for chunk in flow_chunks(X.shape[0]):
            super()._augment(X[chunk], None, generator)
        return X

    def _changed_channel(self, X, channel, generator):
        shape = (X.shape[0], X.shape[2])
        scale = self.sigma * _channel_scale(X, channel, self.max_size)
        if np.ndim(scale) == 0:
            # A scalar scale (sizes) is applied to the table, saving one pass.
            noise = _standard_normal(generator, shape, scale)
        else:
            noise = _standard_normal(generator, shape)
            noise *= scale
        noise += X[:, channel]
        return noise


class Scaling(_AmplitudeAugmenter):
    """Multiply the sizes and/or IATs of each flow by one random factor.

    For every flow and every selected channel, one factor is drawn from
    ``N(1, sigma)`` and clipped at 0, and all packets of that channel are multiplied
    by it: the flow keeps its shape but carries larger or smaller packets, or runs
    faster or slower. Sizes are rounded to whole bytes and clipped to
    [0, max_size]. Directions and padding are unchanged.

    Parameters
    ----------
    sigma : float, default=0.1
        Standard deviation of the factor around 1 (Iwana and Uchida's default).
    channels : {"both", "size", "iat"}, default="both"
        Channels to scale. With "both", sizes and IATs get independent factors.
    max_size : int, default=1500
        Largest valid packet size in bytes.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the factors in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

    References
    ----------
    .. [1] B. K. Iwana and S. Uchida, "An empirical survey of data augmentation for
       time series classification with neural networks", PLOS ONE 16(7), 2021.
    .. [2] T. T. Um et al., "Data augmentation of wearable sensor data for
       Parkinson's disease monitoring using convolutional neural networks", ICMI
       2017.

    Examples
    --------
    >>> from skaug import Scaling, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = Scaling(sigma=0.2, channels="iat").augment(X, random_state=0)
    >>> bool((X_aug[:, 0] == X[:, 0]).all())
    True
    """

    _parameter_constraints = {
        **_AmplitudeAugmenter._parameter_constraints,
        "sigma": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        sigma=0.1,
        *,
        channels="both",
        max_size=DEFAULT_MAX_SIZE,
        random_state=None,
    ):
        super().__init__(random_state=random_state)
        self.sigma = sigma
        self.channels = channels
        self.max_size = max_size

    def _changed_channel(self, X, channel, generator):
        factors = generator.standard_normal((X.shape[0], 1), np.float32)
        factors *= self.sigma
        factors += 1
        return X[:, channel] * np.maximum(factors, 0)


class MagnitudeWarp(_AmplitudeAugmenter):
    """Multiply sizes and/or IATs by a smooth random curve along the flow.

    For every flow and every selected channel, ``n_knots + 2`` values are drawn from
    ``N(1, sigma)`` at equally spaced knots from the first to the last real packet,
    and a cubic spline through them gives one factor per packet (clipped at 0). So
    the start of a flow may get larger packets while its end gets smaller ones,
    smoothly. Sizes are rounded to whole bytes and clipped to [0, max_size], and the
    first IAT stays 0. Directions and padding are unchanged.

    Parameters
    ----------
    sigma : float, default=0.2
        Standard deviation of the knot values around 1 (Um et al.'s default).
    n_knots : int, default=4
        Number of knots between the two end knots.
    channels : {"both", "size", "iat"}, default="both"
        Channels to warp. With "both", each channel gets its own curve.
    max_size : int, default=1500
        Largest valid packet size in bytes.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the curves in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

    Notes
    -----
    The knots span each flow's own real packets, so short and long flows are warped
    by curves of the same shape.

    References
    ----------
    .. [1] T. T. Um et al., "Data augmentation of wearable sensor data for
       Parkinson's disease monitoring using convolutional neural networks", ICMI
       2017.
    .. [2] B. K. Iwana and S. Uchida, "An empirical survey of data augmentation for
       time series classification with neural networks", PLOS ONE 16(7), 2021.

    Examples
    --------
    >>> from skaug import MagnitudeWarp, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = MagnitudeWarp(random_state=0).augment(X)
    >>> X_aug.shape
    (100, 3, 20)
    """

    _parameter_constraints = {
        **_AmplitudeAugmenter._parameter_constraints,
        "sigma": [Interval(Real, 0, None, closed="left")],
        "n_knots": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        sigma=0.2,
        *,
        n_knots=4,
        channels="both",
        max_size=DEFAULT_MAX_SIZE,
        random_state=None,
    ):
        super().__init__(random_state=random_state)
        self.sigma = sigma
        self.n_knots = n_knots
        self.channels = channels
        self.max_size = max_size

    def _changed_channel(self, X, channel, generator):
        knots = generator.standard_normal((X.shape[0], self.n_knots + 2), np.float32)
        knots *= self.sigma
        knots += 1
        counts = count_real_packets(X)
        curves = smooth_curves(knots, counts, X.shape[2])
        np.maximum(curves, 0, out=curves)
        curves *= X[:, channel]
        return curves


class SpikeNoise(_AmplitudeAugmenter):
    """Add a few large positive spikes to sizes and/or IATs at random packets.

    Each real packet is hit with probability ``p`` in each selected channel. A hit
    adds ``magnitude * scale * U(0.5, 1.5)``, where ``scale`` is ``max_size`` for
    sizes and the largest IAT of the flow for IATs: a packet suddenly grows, or
    arrives after an unusual delay, as with an outlier. Sizes are rounded to whole
    bytes and clipped to [0, max_size], and the first IAT stays 0. Directions and
    padding are unchanged.

    Parameters
    ----------
    p : float, default=0.05
        Probability that a real packet gets a spike in one channel, in [0, 1].
    magnitude : float, default=0.5
        Mean spike height, relative to the channel's scale.
    channels : {"both", "size", "iat"}, default="both"
        Channels that receive spikes, drawn independently per channel.
    max_size : int, default=1500
        Largest valid packet size in bytes.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the spikes in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

    References
    ----------
    .. [1] Q. Wen et al., "Time series data augmentation for deep learning: a
       survey", IJCAI 2021 (outlier injection).

    Examples
    --------
    >>> from skaug import SpikeNoise, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = SpikeNoise(p=0.2, channels="size").augment(X, random_state=0)
    >>> bool((X_aug[:, 0] >= X[:, 0]).all())
    True
    """

    _parameter_constraints = {
        **_AmplitudeAugmenter._parameter_constraints,
        "p": [Interval(Real, 0, 1, closed="both")],
        "magnitude": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        p=0.05,
        *,
        magnitude=0.5,
        channels="both",
        max_size=DEFAULT_MAX_SIZE,
        random_state=None,
    ):
        super().__init__(random_state=random_state)
        self.p = p
        self.magnitude = magnitude
        self.channels = channels
        self.max_size = max_size

    def _changed_channel(self, X, channel, generator):
        if self.p == 0:
            return X[:, channel].copy()
        # One uniform draw u per packet decides the hit (u < p) and, rescaled to
        # u / p, which is uniform on [0, 1) given a hit, the height of the spike.
        draws = generator.random((X.shape[0], X.shape[2]), dtype=np.float32)
        hit = draws < self.p
        draws *= np.float32(1 / self.p)
        draws += np.float32(0.5)
        draws *= hit
        # _channel_scale is half the channel's range, hence the factor 2.
        draws *= 2 * self.magnitude * _channel_scale(X, channel, self.max_size)
        draws += X[:, channel]
        return draws


class RTTScaling(BaseAugmenter):
    """Multiply all IATs of a flow by one factor, as on a path with another RTT.

    One factor per flow is drawn from ``U(min_factor, max_factor)``. Every IAT of
    the flow is multiplied by it, as if the flow crossed a path with a longer or
    shorter round-trip time: the flow keeps its packets and their order but is
    stretched or compressed in time. Sizes, directions and padding are unchanged.

    Parameters
    ----------
    min_factor : float, default=0.5
        Smallest factor, >= 0.
    max_factor : float, default=1.5
        Largest factor, >= ``min_factor``.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the factors in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

    References
    ----------
    .. [1] A. Finamore, C. Wang, J. Krolikowski, J. M. Navarro, F. Chen and D. Rossi,
       "Replication: Contrastive learning and data augmentation in traffic
       classification using a flowpic input representation", IMC 2023 (change of
       RTT as a packet-series augmentation in the tcbench framework).

    Examples
    --------
    >>> import numpy as np
    >>> from skaug import RTTScaling, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = RTTScaling(min_factor=2, max_factor=2).augment(X)
    >>> bool(np.allclose(X_aug[:, 2], 2 * X[:, 2]))
    True
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "min_factor": [Interval(Real, 0, None, closed="left")],
        "max_factor": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, min_factor=0.5, max_factor=1.5, *, random_state=None):
        super().__init__(random_state=random_state)
        self.min_factor = min_factor
        self.max_factor = max_factor

    def _validate_params(self):
        super()._validate_params()
        self._check_min_max("min_factor", "max_factor")

    def _augment(self, X, y, generator):
        factors = generator.random((X.shape[0], 1), dtype=np.float32)
        factors *= self.max_factor - self.min_factor
        factors += self.min_factor
        X[:, IAT] *= factors
        return X
