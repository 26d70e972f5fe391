"""Masking augmentations: hide packets or channels."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..flows import IAT, SIZE
from ._base import BaseAugmenter
from ._packets import count_real_packets, packet_positions, real_packets

__all__ = ["ChannelMask", "RandomMask", "WindowMask"]


def _hide(X, hidden):
    # A hidden packet keeps its place and direction; its size and IAT read 0.
    X[:, SIZE][hidden] = 0
    X[:, IAT][hidden] = 0
    return X


class RandomMask(BaseAugmenter):
    """Hide each packet with probability ``p``.

    A hidden packet keeps its place and its direction, but its size and IAT become 0,
    as if the classifier could not observe them. Padding is unchanged.

    Parameters
    ----------
    p : float, default=0.1
        Probability that a real packet is hidden, in [0, 1].
    random_state : None, int, RandomState or Generator, default=None
        Seeds the mask in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

    References
    ----------
    .. [1] Q. Wen et al., "Time series data augmentation for deep learning: a
       survey", IJCAI 2021.

    Examples
    --------
    >>> from skaug import RandomMask, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = RandomMask(p=0.5).augment(X, random_state=0)
    >>> bool((X_aug[:, 1] == X[:, 1]).all())
    True
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "p": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, p=0.1, *, random_state=None):
        super().__init__(random_state=random_state)
        self.p = p

    def _augment(self, X, y, generator):
        hidden = generator.random((X.shape[0], X.shape[2]), dtype="float32") < self.p
        hidden &= real_packets(X)
        return _hide(X, hidden)


class WindowMask(BaseAugmenter):
    """Hide a contiguous window of packets.

    In every flow, a window of ``max(1, round(ratio * n))`` consecutive real packets,
    where ``n`` is the flow's number of real packets, starts at a uniformly drawn
    packet. The packets of the window keep their place and direction, but their
    sizes and IATs become 0, as for :class:`RandomMask`. Padding is unchanged.

    Parameters
    ----------
    ratio : float, default=0.2
        Length of the window as a fraction of the flow's real packets, in (0, 1].
    random_state : None, int, RandomState or Generator, default=None
        Seeds the windows in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

    References
    ----------
    .. [1] Q. Wen et al., "Time series data augmentation for deep learning: a
       survey", IJCAI 2021 (window cropping and masking).

    Examples
    --------
    >>> from skaug import WindowMask, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = WindowMask(ratio=0.25).augment(X, random_state=0)
    >>> bool((X_aug[:, 1] == X[:, 1]).all())
    True
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "ratio": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(self, ratio=0.2, *, random_state=None):
        super().__init__(random_state=random_state)
        self.ratio = ratio

    def _augment(self, X, y, generator):
        counts = count_real_packets(X)
        lengths = np.maximum(np.rint(self.ratio * counts), 1)
        starts = generator.random(X.shape[0], dtype=np.float32)
        starts *= np.maximum(counts - lengths + 1, 0)
        starts = np.floor(starts)[:, None]

        positions = packet_positions(X.shape[2])
        hidden = (positions >= starts) & (positions < starts + lengths[:, None])
        hidden &= positions < counts[:, None]
        return _hide(X, hidden)


class ChannelMask(BaseAugmenter):
    """Hide a whole channel, sizes or IATs, of each flow.

    Every flow loses one channel: all its sizes, or all its IATs, become 0. With
    ``channels="both"`` the channel is drawn per flow with equal probability.
    Directions are never hidden, since they mark which packets are real.

    Parameters
    ----------
    channels : {"both", "size", "iat"}, default="both"
        Channels that may be hidden.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the choice in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

    References
    ----------
    .. [1] Q. Wen et al., "Time series data augmentation for deep learning: a
       survey", IJCAI 2021.

    Examples
    --------
    >>> from skaug import ChannelMask, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = ChannelMask(channels="iat").augment(X)
    >>> float(X_aug[:, 2].max())
    0.0
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "channels": [StrOptions({"both", "size", "iat"})],
    }

    def __init__(self, channels="both", *, random_state=None):
        super().__init__(random_state=random_state)
        self.channels = channels

    def _augment(self, X, y, generator):
        if self.channels == "size":
            X[:, SIZE] = 0
        elif self.channels == "iat":
            X[:, IAT] = 0
        else:
            hide_sizes = generator.random((X.shape[0], 1), dtype=np.float32) < 0.5
            X[:, SIZE] *= ~hide_sizes
            X[:, IAT] *= hide_sizes
        return X
