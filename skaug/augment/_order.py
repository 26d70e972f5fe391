"""Sequence-order augmentations that drop, duplicate, move or reorder packets."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ..flows import IAT
from ._base import BaseAugmenter
from ._packets import (
    count_real_packets,
    flow_chunks,
    gather_packets,
    gather_packets_into,
    keep_packets,
    packet_positions,
    real_packets,
    running_sum,
)

__all__ = [
    "HorizontalFlip",
    "PacketLoss",
    "Permutation",
    "Retransmission",
    "Translation",
]


class Translation(BaseAugmenter):
    """Start each flow k packets later, as when the capture starts mid-flow.

    For every flow, ``k`` is drawn uniformly from 1 to ``max_shift`` and capped at
    the flow's number of real packets minus 1, so at least one packet remains. The
    first ``k`` packets are dropped and the others move ``k`` places forward with
    their sizes, directions and IATs; the new first packet gets IAT 0. The flow ends
    ``k`` packets earlier and the freed places at the end become padding.

    Parameters
    ----------
    max_shift : int, default=3
        Largest number of packets dropped at the start of a flow, >= 1.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the shifts in :meth:`fit_resample` and in :meth:`augment` when no
        generator is given.

    Notes
    -----
    The first packet of a translated flow may be a download packet, as in a capture
    that started mid-flow. The packets that would follow the last one of a flow cut
    at ``n_packets`` are unknown, so they are not added back.

    References
    ----------
    .. [1] A. Finamore, C. Wang, J. Krolikowski, J. M. Navarro, F. Chen and D. Rossi,
       "Replication: Contrastive learning and data augmentation in traffic
       classification using a flowpic input representation", IMC 2023 (time shift
       as a packet-series augmentation in the tcbench framework).
    .. [2] B. K. Iwana and S. Uchida, "An empirical survey of data augmentation for
       time series classification with neural networks", PLOS ONE 16(7), 2021.

    Examples
    --------
    >>> from skaug import Translation, make_flows
    >>> from skaug.flows import packet_counts
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = Translation(max_shift=2).augment(X, random_state=0)
    >>> bool((packet_counts(X_aug) >= packet_counts(X) - 2).all())
    True
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "max_shift": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, max_shift=3, *, random_state=None):
        super().__init__(random_state=random_state)
        self.max_shift = max_shift

    def _augment(self, X, y, generator):
        counts = count_real_packets(X)
        shifts = generator.integers(1, self.max_shift, X.shape[0], endpoint=True)
        shifts = np.minimum(shifts, np.maximum(counts - 1, 0))

        positions = packet_positions(X.shape[2])
        real = positions < (counts - shifts)[:, None]
        source = np.minimum(positions + shifts[:, None], X.shape[2] - 1)
        X_out = gather_packets(X, source, real)
        # The packets keep their IATs, except the new first one, whose IAT is 0.
        X_out[:, IAT, 0] = 0
        return X_out


class HorizontalFlip(BaseAugmenter):
    """Reverse the order of each flow's real packets and of the gaps between them.

    Packet ``j`` of the flipped flow is packet ``n - 1 - j`` of the original, with
    its size and direction, where ``n`` is the flow's number of real packets. Its IAT
    is the gap between the same two packets in the original, ``IAT[n - j]``, so the
    flipped flow plays the original backwards in time, and its first IAT is 0.
    Padding stays at the end.

    Parameters
    ----------
    random_state : None, int, RandomState or Generator, default=None
        Unused, since the flip is deterministic, and kept for a uniform interface.

    References
    ----------
    .. [1] B. K. Iwana and S. Uchida, "An empirical survey of data augmentation for
       time series classification with neural networks", PLOS ONE 16(7), 2021.
    .. [2] Q. Wen et al., "Time series data augmentation for deep learning: a
       survey", IJCAI 2021.

    Examples
    --------
    >>> from skaug import HorizontalFlip, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_twice = HorizontalFlip().augment(HorizontalFlip().augment(X))
    >>> bool(np.allclose(X_twice, X))
    True
    """

    def _augment(self, X, y, generator):
        n_packets = X.shape[2]
        X_out = np.empty_like(X)
        # Flows without padding, common in practice, are flipped by one reversed copy
        # of the whole batch. The flows with n < n_packets real packets are then
        # gathered by n and written over it, each group flipped as full flows of n
        # packets followed by padding.
        _flip_full_flows(X, X_out)
        counts = count_real_packets(X)
        for n_real in range(n_packets):
            flows = np.flatnonzero(counts == n_real)
            if flows.size == 0:
                continue
            group = X[flows]
            flipped = np.zeros_like(group)
            _flip_full_flows(group[:, :, :n_real], flipped[:, :, :n_real])
            X_out[flows] = flipped
        return X_out


def _flip_full_flows(X, X_out):
    # Flip flows without padding into X_out. Output packet j is packet n - 1 - j,
    # and its IAT is the gap after that packet in X, the IAT of packet n - j. The
    # channels before IAT are the sizes and the directions.
    X_out[:, :IAT] = X[:, :IAT, ::-1]
    X_out[:, IAT, 1:] = X[:, IAT, :0:-1]
    X_out[:, IAT, :1] = 0


class Permutation(BaseAugmenter):
    """Cut each flow into a few segments of packets and shuffle them.

    For every flow, the number of segments is drawn uniformly from
    ``min_segments`` to ``max_segments`` and capped at the flow's number of real
    packets. The real packets are cut into segments of nearly equal length, which
    are put back in a random order. Every packet keeps its size, direction and IAT,
    so the gaps inside a segment are kept and the first packet of a segment keeps the
    gap that preceded it in the original flow; the first packet's IAT becomes 0.
    Padding stays at the end.

    Parameters
    ----------
    min_segments : int, default=2
        Smallest number of segments, >= 1.
    max_segments : int, default=5
        Largest number of segments, >= ``min_segments``.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the cuts and orders in :meth:`fit_resample` and in :meth:`augment`
        when no generator is given.

    Notes
    -----
    A random order may be the original one, so some flows come back unchanged (for
    2 segments, half of them).

    References
    ----------
    .. [1] T. T. Um et al., "Data augmentation of wearable sensor data for
       Parkinson's disease monitoring using convolutional neural networks", ICMI
       2017.
    .. [2] B. K. Iwana and S. Uchida, "An empirical survey of data augmentation for
       time series classification with neural networks", PLOS ONE 16(7), 2021.

    Examples
    --------
    >>> from skaug import Permutation, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = Permutation(random_state=0).augment(X)
    >>> bool((np.sort(X_aug[:, 0]) == np.sort(X[:, 0])).all())
    True
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "min_segments": [Interval(Integral, 1, None, closed="left")],
        "max_segments": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, min_segments=2, max_segments=5, *, random_state=None):
        super().__init__(random_state=random_state)
        self.min_segments = min_segments
        self.max_segments = max_segments

    def _validate_params(self):
        super()._validate_params()
        self._check_min_max("min_segments", "max_segments")

    def _augment(self, X, y, generator):
        n_flows, _, n_packets = X.shape
        counts = count_real_packets(X)[:, None]
        n_segments = generator.integers(
            self.min_segments, self.max_segments, (n_flows, 1), endpoint=True
        )
        n_segments = np.clip(n_segments, 1, np.maximum(counts, 1))

        # Segment k covers packets [bounds[k], bounds[k + 1]); segments past the
        # flow's own number are empty and sorted last by an infinite key.
        segment_ids = np.arange(self.max_segments + 1)[None, :]
        bounds = np.minimum(segment_ids * counts // n_segments, counts)
        lengths = np.diff(bounds, axis=1)
        keys = generator.random((n_flows, self.max_segments), dtype=np.float32)
        keys[segment_ids[:, :-1] >= n_segments] = np.inf
        order = np.argsort(keys, axis=1)

        ordered_starts = np.take_along_axis(bounds[:, :-1], order, axis=1)
        ordered_lengths = np.take_along_axis(lengths, order, axis=1)
        output_starts = running_sum(ordered_lengths) - ordered_lengths
        offsets = ordered_starts - output_starts
        # An empty segment covers no output packet: move its start past the end.
        output_starts[ordered_lengths == 0] = n_packets

        # Packet indices and offsets fit the smallest signed integer type, which
        # makes the per-segment passes below cheaper.
        index_dtype = np.min_scalar_type(-2 * n_packets)
        output_starts = output_starts.astype(index_dtype)
        offsets = offsets.astype(index_dtype)
        X_out = np.empty_like(X)
        for chunk in flow_chunks(n_flows):
            source = _segment_sources(output_starts[chunk], offsets[chunk], n_packets)
            real = packet_positions(n_packets) < counts[chunk]
            gather_packets_into(X[chunk], source, real, X_out[chunk])
        # Every packet keeps its IAT, so only the new first packet needs one of 0.
        X_out[:, IAT, 0] = 0
        return X_out


def _segment_sources(output_starts, offsets, n_packets):
    # Output packet j falls in the last ordered segment that starts at or before j,
    # and reads packet j + offset of that segment. One comparison per segment keeps
    # the loop short.
    positions = np.arange(n_packets, dtype=offsets.dtype)[None, :]
    source = np.zeros((output_starts.shape[0], n_packets), dtype=offsets.dtype)
    for k in range(output_starts.shape[1]):
        starts_here = output_starts[:, k : k + 1] <= positions
        np.copyto(source, offsets[:, k : k + 1], where=starts_here)
    source += positions
    return np.clip(source, 0, n_packets - 1, out=source)


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


class Retransmission(BaseAugmenter):
    """Duplicate one packet of each flow after a retransmission timeout.

    In every flow, one real packet is drawn uniformly and sent again ``rto``
    seconds later: the copy, with the same size and direction, is inserted right
    after it with IAT ``rto``. The later packets move one place back and keep their
    IATs, so they arrive ``rto`` later, as when the sender waits for the timeout
    before going on. A packet pushed past ``n_packets`` is dropped, and the copy of
    the last packet of a full flow falls outside the flow, which then stays
    unchanged.

    Parameters
    ----------
    rto : float, default=0.2
        Retransmission timeout in seconds, the IAT of the copy. 0.2 s is the
        minimum RTO of Linux TCP (``TCP_RTO_MIN``).
    random_state : None, int, RandomState or Generator, default=None
        Seeds the choice of packet in :meth:`fit_resample` and in :meth:`augment`
        when no generator is given.

    Notes
    -----
    The copy goes in the direction of the original packet, even when the real
    retransmission would follow a lost acknowledgement of the reverse direction.

    Examples
    --------
    >>> from skaug import Retransmission, make_flows
    >>> from skaug.flows import packet_counts
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> X_aug = Retransmission().augment(X, random_state=0)
    >>> bool((packet_counts(X_aug) >= packet_counts(X)).all())
    True
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "rto": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, rto=0.2, *, random_state=None):
        super().__init__(random_state=random_state)
        self.rto = rto

    def _augment(self, X, y, generator):
        n_packets = X.shape[2]
        counts = count_real_packets(X)
        chosen = generator.random(X.shape[0], dtype=np.float32) * counts
        chosen = np.minimum(chosen.astype(np.intp), np.maximum(counts - 1, 0))[:, None]

        positions = packet_positions(n_packets)
        copy = positions == chosen + 1
        source = np.where(positions > chosen, positions - 1, positions)
        new_counts = np.where(counts > 0, np.minimum(counts + 1, n_packets), 0)
        real = positions < new_counts[:, None]

        X_out = gather_packets(X, source, real)
        # The other packets keep their IATs, and the first packet is never a copy.
        np.copyto(X_out[:, IAT], self.rto, where=copy & real)
        return X_out
