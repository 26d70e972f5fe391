"""Mixing augmentations: combine each flow with another flow of its class."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ..flows import IAT, SIZE
from ._base import BaseAugmenter
from ._packets import (
    count_real_packets,
    finalize_iats,
    packet_positions,
    real_packets,
    same_class_partners,
)

__all__ = ["CutMix", "Interpolation"]


class Interpolation(BaseAugmenter):
    """Move each flow towards another flow of its class by a random fraction.

    Each flow is paired with a flow of the same class drawn uniformly from the batch
    (itself only when its class has a single flow). One fraction ``lam`` per flow is
    drawn from ``U(0, max_fraction)``, and on every packet where both flows have a
    real packet, size and IAT become ``value + lam * (partner_value - value)``,
    sizes rounded to whole bytes. The flow keeps its directions, its number of
    packets and its label. Packets beyond the partner's last one are unchanged.

    Parameters
    ----------
    max_fraction : float, default=0.5
        Largest fraction of the way to the partner, in [0, 1]. SMOTE draws the
        fraction from U(0, 1); the default stays closer to the original flow.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the pairs and fractions in :meth:`fit_resample` and in
        :meth:`augment` when no generator is given.

    Notes
    -----
    SMOTE interpolates towards one of the k nearest neighbours of the same class;
    here the partner is any flow of the class in the batch, which costs no
    neighbour search and works on each training batch. ``y`` is required.

    References
    ----------
    .. [1] N. V. Chawla, K. W. Bowyer, L. O. Hall and W. P. Kegelmeyer, "SMOTE:
       synthetic minority over-sampling technique", Journal of Artificial
       Intelligence Research 16, 321-357, 2002.

    Examples
    --------
    >>> from skaug import Interpolation, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_res, y_res = Interpolation(random_state=0).fit_resample(X, y)
    >>> bool((X_res[100:, 1] == X[:, 1]).all())
    True
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "max_fraction": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, max_fraction=0.5, *, random_state=None):
        super().__init__(random_state=random_state)
        self.max_fraction = max_fraction

    def _augment(self, X, y, generator):
        partners = same_class_partners(y, generator, type(self).__name__)
        X_partner = X[partners]
        fractions = generator.random((X.shape[0], 1), dtype=np.float32)
        fractions *= self.max_fraction
        fractions = fractions * (real_packets(X) & real_packets(X_partner))

        for channel in (SIZE, IAT):
            X_partner[:, channel] -= X[:, channel]
            X_partner[:, channel] *= fractions
            X[:, channel] += X_partner[:, channel]
        np.rint(X[:, SIZE], out=X[:, SIZE])
        return finalize_iats(X)


class CutMix(BaseAugmenter):
    """Replace a window of packets by the same window of a same-class flow.

    Each flow is paired with a flow of the same class drawn uniformly from the batch
    (itself only when its class has a single flow). As in CutMix, ``lam`` is drawn
    from ``Beta(alpha, alpha)`` and a window of ``round((1 - lam) * m)`` packets is
    cut, where ``m`` is the smaller number of real packets of the two flows; it
    starts at a uniformly drawn packet. Inside the window the flow takes the
    partner's sizes, directions and IATs, packet for packet. The flow keeps its
    number of packets and its label, which is the partner's too.

    Parameters
    ----------
    alpha : float, default=1.0
        Parameter of the Beta distribution of ``lam``, > 0. 1 draws the window
        length uniformly.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the pairs and windows in :meth:`fit_resample` and in :meth:`augment`
        when no generator is given.

    Notes
    -----
    The window stays within the packets that both flows have, so no padding enters
    a flow. ``y`` is required.

    References
    ----------
    .. [1] S. Yun, D. Han, S. J. Oh, S. Chun, J. Choe and Y. Yoo, "CutMix:
       Regularization strategy to train strong classifiers with localizable
       features", ICCV 2019.

    Examples
    --------
    >>> from skaug import CutMix, make_flows
    >>> from skaug.flows import packet_counts
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = CutMix(random_state=0).augment(X, y)
    >>> bool((packet_counts(X_aug) == packet_counts(X)).all())
    True
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, alpha=1.0, *, random_state=None):
        super().__init__(random_state=random_state)
        self.alpha = alpha

    def _augment(self, X, y, generator):
        n_flows = X.shape[0]
        partners = same_class_partners(y, generator, type(self).__name__)
        X_partner = X[partners]
        common = np.minimum(
            count_real_packets(X),
            count_real_packets(X_partner),
        )

        lam = generator.beta(self.alpha, self.alpha, n_flows)
        lengths = np.rint((1 - lam) * common)
        starts = np.floor(generator.random(n_flows) * (common - lengths + 1))
        positions = packet_positions(X.shape[2])
        window = (positions >= starts[:, None]) & (
            positions < (starts + lengths)[:, None]
        )

        np.copyto(X, X_partner, where=window[:, None, :])
        return X
