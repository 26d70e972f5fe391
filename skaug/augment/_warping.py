"""Sequence-order augmentations that warp the packet axis of each flow.

All three resample a flow's real packets at fractional positions (see
``resample_packets``): sizes are interpolated linearly and rounded, directions come
from the nearest packet, and arrival times are interpolated linearly, so each new IAT
is the time between two interpolated arrivals. A warped flow keeps its number of real
packets, its arrival times never decrease, and padding stays at the end.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BaseAugmenter
from ._packets import (
    count_real_packets,
    flow_chunks,
    gather_values,
    packet_positions,
    resample_packets,
    running_sum,
    smooth_curves,
)

__all__ = ["TimeWarp", "WindowSlice", "WindowWarp"]


class WindowSlice(BaseAugmenter):
    """Crop a window of each flow and stretch it back to the flow's length.

    The window covers ``ratio`` of the span from the flow's first to its last real
    packet and starts at a uniformly drawn place. It is resampled at as many evenly
    spaced positions as the flow has real packets, so the flow keeps its length but
    loses a little of its start and end and is slightly stretched. The stretched
    flow lasts as long as the window it was cut from.

    Parameters
    ----------
    ratio : float, default=0.9
        Length of the window as a fraction of the flow's span, in (0, 1]. 0.9 is
        Iwana and Uchida's default.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the windows in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

    References
    ----------
    .. [1] B. K. Iwana and S. Uchida, "An empirical survey of data augmentation for
       time series classification with neural networks", PLOS ONE 16(7), 2021.

    Examples
    --------
    >>> from skaug import WindowSlice, make_flows
    >>> from skaug.flows import packet_counts
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = WindowSlice(random_state=0).augment(X)
    >>> bool((packet_counts(X_aug) == packet_counts(X)).all())
    True
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "ratio": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(self, ratio=0.9, *, random_state=None):
        super().__init__(random_state=random_state)
        self.ratio = ratio

    def _augment(self, X, y, generator):
        counts = count_real_packets(X)
        span = np.maximum(counts - 1, 0).astype(np.float32)
        starts = generator.random(X.shape[0], dtype=np.float32)
        starts *= (1 - self.ratio) * span

        positions = packet_positions(X.shape[2]).astype(np.float32) * self.ratio
        positions = positions + starts[:, None]
        return resample_packets(X, positions, counts)


class WindowWarp(BaseAugmenter):
    """Speed up or slow down a random window of each flow.

    A window covering ``window_ratio`` of the span from the flow's first to its last
    real packet starts at a uniformly drawn place and is stretched by a factor drawn
    from ``scales`` (2 slows the window down, so it takes more packets; 0.5 speeds
    it up). The warped flow is then resampled to its original number of real
    packets, so the rest of the flow is compressed or stretched to make room.

    Parameters
    ----------
    window_ratio : float, default=0.1
        Length of the window as a fraction of the flow's span, in (0, 1].
    scales : sequence of float, default=(0.5, 2.0)
        Stretch factors, each > 0, one drawn uniformly per flow.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the windows and factors in :meth:`fit_resample` and in
        :meth:`augment` when no generator is given.

    References
    ----------
    .. [1] B. K. Iwana and S. Uchida, "An empirical survey of data augmentation for
       time series classification with neural networks", PLOS ONE 16(7), 2021.

    Examples
    --------
    >>> from skaug import WindowWarp, make_flows
    >>> from skaug.flows import packet_counts
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = WindowWarp(window_ratio=0.3, random_state=0).augment(X)
    >>> bool((packet_counts(X_aug) == packet_counts(X)).all())
    True
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "window_ratio": [Interval(Real, 0, 1, closed="right")],
        "scales": ["array-like"],
    }

    def __init__(self, window_ratio=0.1, scales=(0.5, 2.0), *, random_state=None):
        super().__init__(random_state=random_state)
        self.window_ratio = window_ratio
        self.scales = scales

    def _validate_params(self):
        super()._validate_params()
        try:
            scales = np.asarray(self.scales, dtype=np.float64)
        except (TypeError, ValueError):
            scales = None
        if scales is None or scales.ndim != 1 or scales.size == 0:
            raise ValueError(
                "The 'scales' parameter of WindowWarp must be a non-empty 1-D "
                f"sequence of numbers, got {self.scales!r}. Pass e.g. (0.5, 2.0)."
            )
        if not (np.isfinite(scales) & (scales > 0)).all():
            raise ValueError(
                "The 'scales' parameter of WindowWarp must hold finite factors > 0, "
                f"got {self.scales!r}. Use 2 to slow a window down, 0.5 to speed it up."
            )

    def _augment(self, X, y, generator):
        n_flows = X.shape[0]
        counts = count_real_packets(X)
        span = np.maximum(counts - 1, 0).astype(np.float32)[:, None]
        width = self.window_ratio * span
        start = generator.random((n_flows, 1), dtype=np.float32) * (span - width)
        scales = np.asarray(self.scales, dtype=np.float32)
        scale = scales[generator.integers(0, scales.size, (n_flows, 1))]

        # Map each output packet to the warped axis, then back through the inverse
        # of the piecewise linear warp: identity before the window, slope 1 / scale
        # inside it, shifted identity after it.
        warped_span = span + width * (scale - 1)
        step = warped_span / np.maximum(span, 1)
        window_end = start + width * scale
        shift = width * (scale - 1)
        positions = np.empty((n_flows, X.shape[2]), dtype=np.float32)
        for chunk in flow_chunks(n_flows):
            positions[chunk] = _unwarp(
                X.shape[2],
                step[chunk],
                start[chunk],
                scale[chunk],
                window_end[chunk],
                shift[chunk],
            )
        return resample_packets(X, positions, counts)


def _unwarp(n_packets, step, start, scale, window_end, shift):
    # Source positions of the output packets of WindowWarp for a chunk of flows,
    # computed in float64 like the float64 product of packet indices and steps.
    warped = packet_positions(n_packets) * step
    positions = np.where(warped <= start, warped, start + (warped - start) / scale)
    return np.where(warped > window_end, warped - shift, positions)


class TimeWarp(BaseAugmenter):
    """Warp the packet axis of each flow smoothly.

    The speed at which the packet axis is read follows a cubic spline through
    ``n_knots + 2`` values drawn from ``N(1, sigma)`` at equally spaced knots over
    the flow, clipped at a small positive value. Its cumulative sum, scaled to the
    flow's span, gives the source position of every output packet, so parts of the
    flow are stretched and others compressed while the first and last packets stay
    in place. The flow keeps its number of real packets and its duration.

    Parameters
    ----------
    sigma : float, default=0.2
        Standard deviation of the knot values around 1 (Um et al.'s default).
    n_knots : int, default=4
        Number of knots between the two end knots.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the warps in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

    Notes
    -----
    Um et al. read the original series through the inverse of the cumulative speed
    curve; skaug reads it through the curve itself, which needs no per-flow search
    and is also a smooth increasing warp.

    References
    ----------
    .. [1] T. T. Um et al., "Data augmentation of wearable sensor data for
       Parkinson's disease monitoring using convolutional neural networks", ICMI
       2017.
    .. [2] B. K. Iwana and S. Uchida, "An empirical survey of data augmentation for
       time series classification with neural networks", PLOS ONE 16(7), 2021.

    Examples
    --------
    >>> from skaug import TimeWarp, make_flows
    >>> from skaug.flows import packet_counts
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = TimeWarp(random_state=0).augment(X)
    >>> bool((packet_counts(X_aug) == packet_counts(X)).all())
    True
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "sigma": [Interval(Real, 0, None, closed="left")],
        "n_knots": [Interval(Integral, 1, None, closed="left")],
    }

    _MIN_SPEED = 0.05

    def __init__(self, sigma=0.2, *, n_knots=4, random_state=None):
        super().__init__(random_state=random_state)
        self.sigma = sigma
        self.n_knots = n_knots

    def _augment(self, X, y, generator):
        n_flows, _, n_packets = X.shape
        counts = count_real_packets(X)
        knots = generator.standard_normal((n_flows, self.n_knots + 2), np.float32)
        knots *= self.sigma
        knots += 1

        speed = smooth_curves(knots, counts, n_packets)
        np.maximum(speed, self._MIN_SPEED, out=speed)
        speed[:, 0] = 0
        speed *= packet_positions(n_packets) < counts[:, None]
        positions = running_sum(speed)

        last = np.maximum(counts - 1, 0)[:, None]
        total = gather_values(positions, last)
        positions *= last / np.maximum(total, 1e-12)
        return resample_packets(X, positions, counts)
