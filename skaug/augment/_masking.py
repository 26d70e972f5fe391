"""Masking augmentations: hide packets or channels."""

from numbers import Real

from sklearn.utils._param_validation import Interval

from ..flows import IAT, SIZE
from ._base import BaseAugmenter
from ._packets import real_packets

__all__ = ["RandomMask"]


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
        X[:, SIZE][hidden] = 0
        X[:, IAT][hidden] = 0
        return X
