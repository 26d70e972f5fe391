"""Sequence-order augmentations: drop, duplicate, move or warp packets."""

from numbers import Real

from sklearn.utils._param_validation import Interval

from ._base import BaseAugmenter
from ._packets import keep_packets, real_packets

__all__ = ["PacketLoss"]


class PacketLoss(BaseAugmenter):
    """Drop each packet with probability ``p``, as on a lossy path.

    The remaining packets move forward and keep their arrival times: a dropped
    packet's IAT is added to the next kept packet's, and the first kept packet gets
    IAT 0. The freed positions at the end become padding, so the flow gets shorter.
    A flow never loses all its packets: if every packet is drawn, the first is kept.

    Parameters
    ----------
    p : float, default=0.1
        Probability that a real packet is dropped, in [0, 1].
    random_state : None, int, RandomState or Generator, default=None
        Seeds the drops in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

    References
    ----------
    .. [1] A. Finamore, C. Wang, J. Krolikowski, J. M. Navarro, F. Chen and D. Rossi,
       "Replication: Contrastive learning and data augmentation in traffic
       classification using a flowpic input representation", IMC 2023 (packet loss
       as a packet-series augmentation in the tcbench framework).

    Examples
    --------
    >>> from skaug import PacketLoss, make_flows
    >>> from skaug.flows import packet_counts
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = PacketLoss(p=0.2).augment(X, random_state=0)
    >>> bool((packet_counts(X_aug) <= packet_counts(X)).all())
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
        real = real_packets(X)
        keep = generator.random(real.shape, dtype="float32") >= self.p

        lost_all = ~(keep & real).any(axis=1)
        keep[lost_all, 0] = True
        return keep_packets(X, keep)
