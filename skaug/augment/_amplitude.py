"""Amplitude augmentations: change the values of sizes and IATs."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..flows import DEFAULT_MAX_SIZE, IAT, SIZE
from ._base import BaseAugmenter
from ._packets import finalize_iats, finalize_sizes, real_packets

__all__ = ["Jitter"]

_CHANNELS = {"size": SIZE, "iat": IAT}


class Jitter(BaseAugmenter):
    """Add Gaussian noise to packet sizes and IATs.

    The noise is scaled to each channel so that one ``sigma`` fits both: on sizes its
    standard deviation is ``sigma * max_size / 2`` bytes, which equals ``sigma`` on
    sizes rescaled to [-1, 1]; on IATs it is ``sigma`` times half the largest IAT of
    the flow. Sizes are then rounded to whole bytes and clipped to [0, max_size], and
    IATs are clipped at 0. Directions and padding are unchanged.

    Parameters
    ----------
    sigma : float, default=0.03
        Noise level relative to each channel's scale (see above).
    channels : {"both", "size", "iat"}, default="both"
        Channels that receive noise.
    max_size : int, default=1500
        Largest valid packet size in bytes.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the noise in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

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
        **BaseAugmenter._parameter_constraints,
        "sigma": [Interval(Real, 0, None, closed="left")],
        "channels": [StrOptions({"both", "size", "iat"})],
        "max_size": [Interval(Real, 1, None, closed="left")],
    }

    def __init__(
        self, sigma=0.03, *, channels="both", max_size=DEFAULT_MAX_SIZE, random_state=None
    ):
        super().__init__(random_state=random_state)
        self.sigma = sigma
        self.channels = channels
        self.max_size = max_size

    def _augment(self, X, y, generator):
        real = real_packets(X)
        noise_shape = (X.shape[0], X.shape[2])

        if self.channels in ("both", "size"):
            scale = self.sigma * self.max_size / 2
            X[:, SIZE] += generator.normal(0, scale, noise_shape).astype(np.float32)
        if self.channels in ("both", "iat"):
            scale = self.sigma * X[:, IAT].max(axis=1, keepdims=True) / 2
            X[:, IAT] += scale * generator.standard_normal(noise_shape, np.float32)

        finalize_sizes(X, self.max_size, real)
        return finalize_iats(X, real)
