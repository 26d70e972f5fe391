"""Vectorised packet-level helpers that keep flows physically valid."""

import numpy as np

from ..flows import DIRECTION, IAT, SIZE


def real_packets(X):
    """Return the boolean mask of real (non-padding) packets, shape (n_flows, n_packets)."""
    return X[:, DIRECTION] != 0


def finalize_sizes(X, max_size, real=None):
    """Round sizes to whole bytes, clip them to [0, max_size] and zero the padding."""
    sizes = X[:, SIZE]
    np.rint(sizes, out=sizes)
    np.clip(sizes, 0, max_size, out=sizes)
    if real is not None:
        sizes *= real
    return X


def finalize_iats(X, real=None):
    """Clip IATs at 0, set each flow's first IAT to 0 and zero the padding."""
    iats = X[:, IAT]
    np.maximum(iats, 0, out=iats)
    iats[:, 0] = 0
    if real is not None:
        iats *= real
    return X


def keep_packets(X, keep):
    """Keep the packets selected by ``keep`` in order and move them to the front.

    The timing of the kept packets is preserved: their IATs are recomputed from the
    cumulative arrival times, so a dropped packet's IAT is added to the next kept
    packet, and the first kept packet gets IAT 0. The freed positions at the end
    become padding.

    Parameters
    ----------
    X : ndarray of shape (n_flows, 3, n_packets)
        Valid flows, changed in place for the returned array.
    keep : ndarray of bool, shape (n_flows, n_packets)
        Packets to keep. Padding positions are ignored.

    Returns
    -------
    X : ndarray of shape (n_flows, 3, n_packets)
    """
    keep = keep & real_packets(X)
    arrival_times = np.cumsum(X[:, IAT], axis=1, dtype=np.float64)

    # A stable sort on "not kept" moves kept packets to the front in their order.
    order = np.argsort(~keep, axis=1, kind="stable")
    kept_after = np.take_along_axis(keep, order, axis=1)
    X = np.take_along_axis(X, order[:, None, :], axis=2)
    arrival_times = np.take_along_axis(arrival_times, order, axis=1)

    iats = np.diff(arrival_times, axis=1, prepend=arrival_times[:, :1])
    X[:, IAT] = iats
    X *= kept_after[:, None, :]
    return finalize_iats(X)
