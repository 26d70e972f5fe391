"""Vectorised packet-level helpers that keep flows physically valid.

Every helper works on a whole batch of flows at once, with per-flow index arithmetic
in place of a loop over flows. The helpers that make many passes over the packets
work through the batch in chunks of ``CHUNK_FLOWS`` flows, so that their temporary
arrays stay in the CPU cache. Running sums and maxima along a flow take one numpy
call per packet position, because numpy's reductions and accumulations along a short
last axis pay a fixed cost per flow, which dominates for flows of 20 packets.
"""

import functools

import numpy as np
import pandas as pd

from ..flows import DIRECTION, IAT, SIZE

# 2,048 flows of 20 packets: about 0.5 MB of float32 flows and 0.3 MB per integer
# index array, which fits a 1-2 MB L2 cache.
CHUNK_FLOWS = 2048


def flow_chunks(n_flows):
    """Yield slices of ``CHUNK_FLOWS`` consecutive flows that cover ``n_flows``."""
    for start in range(0, n_flows, CHUNK_FLOWS):
        yield slice(start, start + CHUNK_FLOWS)


def real_packets(X):
    """Return the mask of real (non-padding) packets, shape (n_flows, n_packets)."""
    return X[:, DIRECTION] != 0


def count_real_packets(X):
    """Return the number of real packets of each flow, as ``np.intp``.

    Equal to ``np.count_nonzero(real_packets(X), axis=1)``, with one numpy call per
    packet position in place of a count per flow, which is faster for short flows.
    """
    if X.shape[2] == 0:
        return np.zeros(X.shape[0], dtype=np.intp)
    real = real_packets(X).view(np.uint8)
    counts = real[:, 0].astype(np.intp)
    for j in range(1, X.shape[2]):
        np.add(counts, real[:, j], out=counts)
    return counts


def packet_positions(n_packets):
    """Return the packet indices 0 .. n_packets - 1 as a row of shape (1, n_packets)."""
    return np.arange(n_packets)[None, :]


def flow_max(values):
    """Return ``values.max(axis=1)``, one packet position at a time over chunks.

    Parameters
    ----------
    values : ndarray of shape (n_flows, n_packets)
        One channel of the flows, with n_packets >= 1.

    Returns
    -------
    maxima : ndarray of shape (n_flows,)
    """
    maxima = values[:, 0].copy()
    for chunk in flow_chunks(values.shape[0]):
        chunk_maxima = maxima[chunk]
        for j in range(1, values.shape[1]):
            np.maximum(chunk_maxima, values[chunk, j], out=chunk_maxima)
    return maxima


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


def running_sum(values, dtype=None):
    """Return ``np.cumsum(values, axis=1, dtype=dtype)``, added in the same order.

    numpy's cumsum along a short last axis pays a fixed cost per flow. Adding one
    packet position at a time over chunks of flows gives the same result bit for bit
    and was about three times faster for flows of 20 packets (numpy 2.4).

    Parameters
    ----------
    values : ndarray of shape (n_flows, n_packets)
        Values to add up along each flow.
    dtype : dtype, default=None
        Type of the sums; None keeps the type of ``values``.

    Returns
    -------
    sums : ndarray of shape (n_flows, n_packets)
    """
    sums = np.empty(values.shape, dtype=dtype or values.dtype)
    if values.shape[1] == 0:
        return sums
    for chunk in flow_chunks(values.shape[0]):
        chunk_values = values[chunk]
        chunk_sums = sums[chunk]
        chunk_sums[:, 0] = chunk_values[:, 0]
        for j in range(1, values.shape[1]):
            np.add(chunk_sums[:, j - 1], chunk_values[:, j], out=chunk_sums[:, j])
    return sums


def arrival_times(iats):
    """Return the arrival time of every packet, the running sum of its flow's IATs.

    The sums are in float64 to keep sub-millisecond IATs after minutes of flow.
    """
    return running_sum(iats, np.float64)


def keep_packets(X, keep):
    """Keep the packets selected by ``keep`` in order and move them to the front.

    The timing of the kept packets is preserved: their IATs are recomputed from the
    cumulative arrival times, so a dropped packet's IAT is added to the next kept
    packet, and the first kept packet gets IAT 0. The freed positions at the end
    become padding.

    Parameters
    ----------
    X : ndarray of shape (n_flows, 3, n_packets)
        Valid flows. Not modified.
    keep : ndarray of bool, shape (n_flows, n_packets)
        Packets to keep. Padding positions are ignored.

    Returns
    -------
    X_out : ndarray of shape (n_flows, 3, n_packets)
        A new array of valid flows.
    """
    X_out = np.empty_like(X)
    for chunk in flow_chunks(X.shape[0]):
        _keep_packets_chunk(X[chunk], keep[chunk], X_out[chunk])
    return X_out


def _keep_packets_chunk(X, keep, X_out):
    keep = keep & real_packets(X)
    n_flows, _, n_packets = X.shape
    positions = packet_positions(n_packets)

    # Output packet j is the kept packet of rank j: scatter each kept packet's index
    # to its rank, and send dropped packets to a scratch column past the end.
    n_kept = np.empty((n_flows, n_packets), dtype=np.intp)
    n_kept[:, 0] = keep[:, 0]
    for j in range(1, n_packets):
        np.add(n_kept[:, j - 1], keep[:, j], out=n_kept[:, j])
    destination = np.where(keep, n_kept - 1, n_packets)
    destination += _row_offsets(n_flows, n_packets + 1)
    source = np.zeros((n_flows, n_packets + 1), dtype=np.intp)
    source.reshape(-1)[destination] = positions
    source = source[:, :n_packets]
    real = positions < n_kept[:, -1:]

    gather_packets_into(X, source, real, X_out, channels=(SIZE, DIRECTION))
    kept_arrivals = gather_values(arrival_times(X[:, IAT]), source)
    _write_iats(X_out[:, IAT], kept_arrivals, real)


def _write_iats(iats, times, real):
    # IATs from float64 arrival times, written into the float32 channel ``iats``,
    # then clipped at 0, with the first IAT 0 and the padding zeroed. Differences
    # over the flattened times are faster than row by row. The first difference of
    # each flow spans two flows, so it is replaced by 0.
    times = times.reshape(-1)
    gaps = np.empty(times.shape, dtype=iats.dtype)
    np.subtract(times[1:], times[:-1], out=gaps[1:])
    gaps = gaps.reshape(iats.shape)
    gaps[:, 0] = 0
    np.maximum(gaps, 0, out=gaps)
    np.multiply(gaps, real, out=iats)


def _row_offsets(n_rows, row_length):
    return (np.arange(n_rows) * row_length)[:, None]


def gather_packets(X, source, real):
    """Return the flows whose packet ``j`` is packet ``source[f, j]`` of flow ``f``.

    Parameters
    ----------
    X : ndarray of shape (n_flows, n_channels, n_packets)
        Flows to read from.
    source : ndarray of int, shape (n_flows, n_packets)
        Index of the source packet of every output packet, in [0, n_packets).
    real : ndarray of bool, shape (n_flows, n_packets)
        Output packets that are real. All channels of the others are set to 0.

    Returns
    -------
    X_out : ndarray of shape (n_flows, n_channels, n_packets)
        A new array.
    """
    X_out = np.empty_like(X)
    real = np.broadcast_to(real, source.shape)
    for chunk in flow_chunks(X.shape[0]):
        gather_packets_into(X[chunk], source[chunk], real[chunk], X_out[chunk])
    return X_out


def gather_packets_into(X, source, real, X_out, channels=None):
    """Write the gathered flows of :func:`gather_packets` into ``X_out``, unchunked.

    Only the channels listed in ``channels`` are written (all by default).
    """
    n_flows, n_channels, n_packets = X.shape
    if channels is None:
        channels = range(n_channels)
    # A flat take per channel is faster than np.take_along_axis. Channel c of flow f
    # starts c * n_packets after the flow, so the take reads from a view shifted by
    # that much, with one index array for all channels. The indices are in range:
    # mode="clip" only skips the bounds check, which is slow on a shifted view.
    index = source + _row_offsets(n_flows, n_channels * n_packets)
    flat = X.reshape(-1)
    mask = real.astype(X.dtype)
    for channel in channels:
        values = np.take(flat[channel * n_packets :], index, mode="clip")
        np.multiply(values, mask, out=X_out[:, channel])


def gather_values(values, source):
    """Return ``values[f, source[f, j]]`` for a 2-D array, as a flat take."""
    n_flows, n_packets = values.shape
    index = source + _row_offsets(n_flows, n_packets)
    return np.take(values.reshape(-1), index, mode="clip")


def resample_packets(X, positions, counts):
    """Resample each flow's real packets at fractional packet positions.

    Output packet ``j`` of flow ``f`` is read at the fractional position
    ``positions[f, j]`` of the flow's real packets, which must lie in
    ``[0, counts[f] - 1]``. Sizes are interpolated linearly between the two
    neighbouring packets and rounded to whole bytes, directions are taken from the
    nearest packet, and arrival times are interpolated linearly, so the IAT of each
    output packet is the time between two interpolated arrivals. The resampled flow
    thus keeps the duration of the stretch of the flow it reads, and its arrival times
    never decrease.

    Parameters
    ----------
    X : ndarray of shape (n_flows, 3, n_packets)
        Valid flows.
    positions : ndarray of float, shape (n_flows, n_packets)
        Source position of every output packet. Values at padding positions
        (``j >= counts[f]``) are ignored.
    counts : ndarray of int, shape (n_flows,)
        Number of real packets of each flow, which the output keeps.

    Returns
    -------
    X_out : ndarray of shape (n_flows, 3, n_packets), dtype float32
        A new array of valid flows.
    """
    X_out = np.empty_like(X)
    for chunk in flow_chunks(X.shape[0]):
        _resample_chunk(X[chunk], positions[chunk], counts[chunk], X_out[chunk])
    return X_out


def _resample_chunk(X, positions, counts, X_out):
    n_flows, n_channels, n_packets = X.shape
    counts = counts.astype(np.float32)[:, None]
    mask = (np.arange(n_packets, dtype=np.float32) < counts).astype(np.float32)
    last = np.maximum(counts - 1, 0)
    # np.minimum and np.maximum are faster than np.clip with an array bound.
    positions = np.minimum(positions, last, dtype=np.float32)
    np.maximum(positions, 0, out=positions)
    lower = positions.astype(np.intp)
    # The fractional part of a float32 is exact in float32.
    weight = np.subtract(positions, lower, dtype=np.float32)

    # Flat indices of the lower neighbours. The upper neighbour of packet i is read
    # at the same index from a view shifted by one packet. Where i is the flow's
    # last real packet, the weight is 0, so the value read past it (the next
    # channel, or an edge value clipped by the take) is multiplied by 0.
    time_index = lower + _row_offsets(n_flows, n_packets)
    lower += _row_offsets(n_flows, n_channels * n_packets)
    flat = X.reshape(-1)

    # Arrival time at a fractional position: that of the lower packet plus the
    # weighted IAT of the upper one, in float64 to keep sub-millisecond IATs.
    times = np.take(arrival_times(X[:, IAT]).reshape(-1), time_index, mode="clip")
    # A batch of one flow of one packet has nothing past its last IAT: read that IAT.
    upper_start = min(IAT * n_packets + 1, flat.size - 1)
    upper_iats = np.take(flat[upper_start:], lower, mode="clip")
    times += np.multiply(weight, upper_iats, dtype=np.float64)
    _write_iats(X_out[:, IAT], times, mask)

    sizes = np.take(flat[SIZE * n_packets :], lower, mode="clip")
    upper_sizes = np.take(flat[SIZE * n_packets + 1 :], lower, mode="clip")
    upper_sizes -= sizes
    upper_sizes *= weight
    sizes += upper_sizes
    np.rint(sizes, out=sizes)
    np.multiply(sizes, mask, out=X_out[:, SIZE])

    lower += weight >= 0.5
    directions = np.take(flat[DIRECTION * n_packets :], lower, mode="clip")
    np.multiply(directions, mask, out=X_out[:, DIRECTION])


@functools.lru_cache(maxsize=32)
def _spline_basis(n_packets, n_knots):
    # Cubic-spline basis through n_knots + 2 equally spaced knots on [0, 1], as in
    # Um et al. (2017), evaluated at the normalized packet positions of a flow of
    # every length 0 .. n_packets. Entry [k, length, j] weighs knot value k at packet
    # j of a flow of that length. Splines are linear in their knot values, so the
    # curve of any flow is a weighted sum of its knot values.
    from scipy.interpolate import CubicSpline

    n_values = n_knots + 2
    spline = CubicSpline(np.linspace(0, 1, n_values), np.eye(n_values))
    basis = np.zeros((n_values, n_packets + 1, n_packets), dtype=np.float32)
    for length in range(1, n_packets + 1):
        axis = np.linspace(0, 1, length) if length > 1 else np.zeros(1)
        basis[:, length, :length] = spline(axis).T
    basis.setflags(write=False)
    return basis


def smooth_curves(knot_values, counts, n_packets):
    """Evaluate one cubic spline per flow over the flow's real packets.

    Parameters
    ----------
    knot_values : ndarray of shape (n_flows, n_knots + 2)
        Values of each flow's curve at equally spaced knots, the first at the flow's
        first packet and the last at its last real packet.
    counts : ndarray of int, shape (n_flows,)
        Number of real packets of each flow.
    n_packets : int
        Length of the packet axis.

    Returns
    -------
    curves : ndarray of shape (n_flows, n_packets), dtype float32
        The curves at each real packet, 0 on padding.
    """
    basis = _spline_basis(n_packets, knot_values.shape[1] - 2)
    knot_values = knot_values.astype(np.float32, copy=False)
    curves = np.empty((knot_values.shape[0], n_packets), dtype=np.float32)
    for chunk in flow_chunks(knot_values.shape[0]):
        chunk_counts = counts[chunk]
        chunk_knots = knot_values[chunk]
        chunk_curves = curves[chunk]
        np.multiply(basis[0][chunk_counts], chunk_knots[:, :1], out=chunk_curves)
        term = np.empty_like(chunk_curves)
        for k in range(1, knot_values.shape[1]):
            np.take(basis[k], chunk_counts, axis=0, out=term, mode="clip")
            term *= chunk_knots[:, k : k + 1]
            chunk_curves += term
    return curves


def same_class_partners(y, generator, augmenter):
    """Draw for every flow a partner flow of the same class.

    A flow is paired with another flow of its class, chosen uniformly, and with
    itself only when its class has a single flow in the batch.

    Parameters
    ----------
    y : array-like of shape (n_flows,) or None
        Class labels.
    generator : numpy.random.Generator
        Source of randomness.
    augmenter : str
        Name of the calling augmentation, for the error message.

    Returns
    -------
    partners : ndarray of int, shape (n_flows,)
        Index of each flow's partner.
    """
    if y is None:
        raise ValueError(
            f"{augmenter} pairs flows of the same class and requires class labels y, "
            "got None. Pass y, one label per flow."
        )
    # pandas.factorize hashes labels, far faster than sorting strings.
    codes, _ = pd.factorize(np.asarray(y).reshape(-1))
    n_flows = codes.shape[0]

    order = np.argsort(codes, kind="stable")
    rank = np.empty(n_flows, dtype=np.intp)
    rank[order] = np.arange(n_flows)
    class_sizes = np.bincount(codes)
    class_starts = np.cumsum(class_sizes) - class_sizes

    # Draw among the other flows of the class, then skip over the flow itself.
    others = class_sizes[codes] - 1
    own_rank = rank - class_starts[codes]
    draw = (generator.random(n_flows) * others).astype(np.intp)
    draw += draw >= own_rank
    draw[others == 0] = 0
    return order[class_starts[codes] + draw]
