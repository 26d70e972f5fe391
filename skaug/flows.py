"""The flow array: skaug's one representation of packet series.

A batch of flows is a float32 array of shape ``(n_flows, 3, n_packets)``. The three
channels are, in this order:

``SIZE``
    packet size in bytes (L4 payload unless a loader states otherwise), an integer >= 0;
``DIRECTION``
    +1 for a packet sent by the flow initiator (upload), -1 for the reverse direction
    (download), 0 for padding;
``IAT``
    inter-arrival time in seconds, 0 for the first packet, >= 0.

Flows with fewer than ``n_packets`` packets are zero-padded at the end, so direction 0
marks padding without ambiguity. Loaders convert other conventions to this one at the
edge, augmentations keep flows in it, and the model alone rescales values.
"""

import numbers

import numpy as np

__all__ = [
    "DEFAULT_MAX_SIZE",
    "DEFAULT_N_PACKETS",
    "DIRECTION",
    "IAT",
    "N_CHANNELS",
    "SIZE",
    "check_flows",
    "check_random_generator",
    "flows_from_packets",
    "packet_counts",
]

SIZE, DIRECTION, IAT = 0, 1, 2
N_CHANNELS = 3
DEFAULT_N_PACKETS = 20
DEFAULT_MAX_SIZE = 1500


def _flow_error(name, rule, detail, fix):
    return ValueError(f"Invalid flow array {name}: {rule}, but {detail}. {fix}")


def check_flows(X, *, name="X", copy=False):
    """Validate a flow array and return it as float32.

    Parameters
    ----------
    X : array-like of shape (n_flows, 3, n_packets)
        Flows in the convention of :mod:`skaug.flows`.
    name : str, default="X"
        Name of the argument, used in error messages.
    copy : bool, default=False
        Return a copy even when ``X`` is already a C-contiguous float32 array.

    Returns
    -------
    X : ndarray of shape (n_flows, 3, n_packets), dtype float32
        The validated flows.

    Raises
    ------
    TypeError
        If ``X`` cannot be converted to a numeric array.
    ValueError
        If ``X`` has the wrong number of dimensions or channels, no packet position,
        NaN or infinite values, negative sizes or IATs, a direction outside
        {-1, 0, 1}, or padding followed by a real packet.

    Examples
    --------
    >>> import numpy as np
    >>> from skaug.flows import check_flows
    >>> X = np.zeros((2, 3, 4))
    >>> X[:, 1, :2] = [1, -1]
    >>> check_flows(X).dtype
    dtype('float32')
    """
    try:
        X = np.array(X, dtype=np.float32, copy=True if copy else None, order="C")
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a numeric array of shape (n_flows, 3, n_packets), "
            f"got {type(X).__name__} that numpy cannot convert to float32: {exc}"
        ) from None

    if X.ndim != 3:
        raise _flow_error(
            name,
            "it must have 3 dimensions (n_flows, 3, n_packets)",
            f"its shape is {X.shape}",
            "Build flows with skaug.flows.flows_from_packets.",
        )
    if X.shape[1] != N_CHANNELS:
        raise _flow_error(
            name,
            "axis 1 must hold the 3 channels size, direction and IAT",
            f"it has {X.shape[1]} (shape {X.shape})",
            "Transpose (n_flows, n_packets, 3) arrays with X.transpose(0, 2, 1).",
        )

    if X.shape[2] == 0:
        raise _flow_error(
            name,
            "axis 2 must hold at least one packet position",
            f"its shape is {X.shape}",
            "Keep n_packets >= 1 when building the flows.",
        )

    _check_values(X, name)
    return X


def _check_values(X, name):
    if X.size == 0:
        return

    finite = np.isfinite(X)
    if not finite.all():
        flow = int(np.argwhere(~finite)[0, 0])
        raise _flow_error(
            name,
            "values must be finite",
            f"flow {flow} holds NaN or infinity",
            "Drop or repair that flow before passing it on.",
        )

    sizes, directions, iats = X[:, SIZE], X[:, DIRECTION], X[:, IAT]
    for channel, values, unit in (("size", sizes, "bytes"), ("IAT", iats, "seconds")):
        if (values < 0).any():
            flow, packet = np.argwhere(values < 0)[0]
            raise _flow_error(
                name,
                f"{channel} must be >= 0 {unit}",
                f"flow {flow} packet {packet} has {values[flow, packet]!r}",
                "Check the loader's units and sign convention.",
            )

    bad_direction = (directions != 0) & (directions != 1) & (directions != -1)
    if bad_direction.any():
        flow, packet = np.argwhere(bad_direction)[0]
        raise _flow_error(
            name,
            "direction must be +1 (upload), -1 (download) or 0 (padding)",
            f"flow {flow} packet {packet} has {directions[flow, packet]!r}",
            "Map 0/1 directions with 1 - 2 * d and padding to 0.",
        )

    real = directions != 0
    late_packet = real[:, 1:] & ~real[:, :-1]
    if late_packet.any():
        flow, packet = np.argwhere(late_packet)[0]
        raise _flow_error(
            name,
            "padding (direction 0) must only come after the last real packet",
            f"flow {flow} has a real packet at index {packet + 1} after padding",
            "Move padding to the end of each flow.",
        )


def packet_counts(X):
    """Count the real (non-padding) packets of each flow.

    Parameters
    ----------
    X : ndarray of shape (n_flows, 3, n_packets)
        Valid flows.

    Returns
    -------
    counts : ndarray of shape (n_flows,), dtype int64
    """
    return np.count_nonzero(np.asarray(X)[:, DIRECTION], axis=1).astype(np.int64)


def flows_from_packets(sizes, directions, iats, *, n_packets=DEFAULT_N_PACKETS):
    """Build a flow array from per-flow packet lists, truncating and padding them.

    Parameters
    ----------
    sizes, directions, iats : sequence of sequences
        For each flow, its packets' sizes in bytes, directions (+1 upload, -1 download)
        and IATs in seconds. The three lists of a flow have equal length.
    n_packets : int, default=20
        Number of packets kept per flow. Longer flows are cut, shorter ones padded.

    Returns
    -------
    X : ndarray of shape (n_flows, 3, n_packets), dtype float32
        Flows in the convention of :mod:`skaug.flows`, validated.

    Examples
    --------
    >>> from skaug.flows import flows_from_packets
    >>> X = flows_from_packets([[60, 1400]], [[1, -1]], [[0.0, 0.02]], n_packets=3)
    >>> X[0].tolist()
    [[60.0, 1400.0, 0.0], [1.0, -1.0, 0.0], [0.0, 0.019999999552965164, 0.0]]
    """
    if not isinstance(n_packets, numbers.Integral) or n_packets < 1:
        raise ValueError(
            f"n_packets must be an integer >= 1, got {n_packets!r}. "
            "Pass the number of first packets to keep per flow, e.g. 20."
        )

    n_flows = len(sizes)
    if not len(directions) == len(iats) == n_flows:
        raise ValueError(
            "sizes, directions and iats must list the same number of flows, got "
            f"{n_flows}, {len(directions)} and {len(iats)}."
        )

    X = np.zeros((n_flows, N_CHANNELS, n_packets), dtype=np.float32)
    for i, channels in enumerate(zip(sizes, directions, iats)):
        lengths = {len(values) for values in channels}
        if len(lengths) != 1:
            raise ValueError(
                f"flow {i} has lists of unequal length (sizes, directions, iats: "
                f"{[len(values) for values in channels]}). Each packet needs all three."
            )
        length = min(lengths.pop(), n_packets)
        for channel, values in enumerate(channels):
            X[i, channel, :length] = values[:length]

    return check_flows(X)


def check_random_generator(random_state):
    """Turn a scikit-learn style ``random_state`` into a numpy ``Generator``.

    Parameters
    ----------
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        ``None`` draws fresh entropy from the operating system, an int seeds a new
        generator, a ``RandomState`` seeds a new generator from its next draw (so it
        advances, as in scikit-learn), and a ``Generator`` is returned as is.

    Returns
    -------
    generator : numpy.random.Generator
    """
    if random_state is None or isinstance(random_state, numbers.Integral):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    raise TypeError(
        "random_state must be None, an int, a numpy RandomState or a numpy Generator, "
        f"got {random_state!r}. Pass an int for reproducible results."
    )
