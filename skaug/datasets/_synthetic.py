"""Synthetic, imbalanced, app-like flows for examples, tests and quick experiments."""

import numbers

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..flows import (
    DEFAULT_MAX_SIZE,
    DEFAULT_N_PACKETS,
    DIRECTION,
    IAT,
    N_CHANNELS,
    SIZE,
    check_flows,
    check_random_generator,
)

__all__ = ["make_flows"]

# Seed of the per-class traffic laws. It is fixed so that class "app_3" follows the
# same laws whatever ``random_state`` is, and two calls with different random states
# draw two samples of the same classification problem.
_LAW_SEED = 20230901

# Largest to smallest class weight of the default imbalance (MIRAGE-2019's is 7.4).
_DEFAULT_IMBALANCE = 8.0

# Number of size modes per class and direction after the handshake.
_N_MODES = 3

# Share of flows drawn with the laws of a random class while keeping their own label,
# as when apps embed the same third-party libraries (ads, analytics, CDNs). It bounds
# the best reachable accuracy below 100%.
_SHARED_LIBRARY_SHARE = 0.15

# Probability that a payload packet takes its size from the law shared by all classes
# (pure ACK-like or full-MTU packets) instead of its class's modes. This overlap keeps
# the problem from being perfectly separable.
_SHARED_SIZE_SHARE = 0.35


def make_flows(
    n_flows=2000,
    n_classes=5,
    *,
    weights=None,
    n_packets=DEFAULT_N_PACKETS,
    max_size=DEFAULT_MAX_SIZE,
    random_state=None,
    return_X_y=False,
):
    """Generate synthetic, imbalanced flows that mimic app traffic.

    The flows are synthetic: no packet comes from a real capture. Each class ("app")
    has its own laws, drawn once from a fixed seed, so ``app_k`` is the same
    application for every ``random_state``:

    - a handshake: one or two small upload packets (client hello) followed by a
      server reply one round-trip time later;
    - after it, a direction process (probability of upload and of repeating the
      previous direction), a mixture of three size modes per direction and
      log-normal IATs;
    - a flow length law (log-normal number of packets), so some flows are shorter
      than ``n_packets`` and padded.

    The classes overlap on purpose. 15% of the flows follow the laws of a random
    class while keeping their own label, like a third-party library embedded in many
    apps. A share of the packets draws its size from a law shared by all classes.
    Each flow's IATs are scaled by a random round-trip factor, and the class laws
    come from common ranges. A good classifier therefore does not
    reach 100% accuracy.

    Parameters
    ----------
    n_flows : int, default=2000
        Number of flows, at least ``n_classes`` so that every class has a flow.
    n_classes : int, default=5
        Number of classes, at least 2.
    weights : array-like of shape (n_classes,), default=None
        Relative class frequencies (positive; normalised to sum to 1). ``None`` gives a
        geometric imbalance in which the first class is 8 times as frequent as the
        last. Class counts are ``weights * n_flows`` rounded by largest remainder,
        with at least one flow per class.
    n_packets : int, default=20
        Number of packets per flow in the output array.
    max_size : int, default=1500
        Largest packet size in bytes (the payload of a full Ethernet frame by
        default), at least 64.
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None, \
default=None
        Seed or generator of the flow sampling. An int gives the same flows on every
        call.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        Dictionary-like object with the fields:

        data : ndarray of shape (n_flows, 3, n_packets), dtype float32
            Flows in the convention of :mod:`skaug.flows` (sizes in bytes,
            directions +1/-1 and 0 for padding, IATs in seconds).
        target : ndarray of shape (n_flows,), dtype object
            Class names ``"app_0"``, ``"app_1"``, ... (zero-padded to equal width
            when there are 10 classes or more, so that they sort in class order).
        target_names : ndarray of shape (n_classes,)
            Sorted class names.
        flows : pandas.DataFrame
            One row per flow: ``flow_id`` (row number), ``label`` (class name) and
            ``n_packets`` (packets in the generated flow before truncation to
            ``n_packets``).
        DESCR : str
            Description of the generator.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        If a parameter is out of range or ``weights`` has the wrong length or
        non-positive values.
    TypeError
        If a count parameter is not an integer.

    Examples
    --------
    >>> from skaug.datasets import make_flows
    >>> bunch = make_flows(n_flows=300, n_classes=3, random_state=0)
    >>> bunch.data.shape
    (300, 3, 20)
    >>> bunch.target_names.tolist()
    ['app_0', 'app_1', 'app_2']
    >>> X, y = make_flows(n_flows=300, n_classes=3, random_state=0, return_X_y=True)
    >>> bool((X == bunch.data).all())
    True
    """
    _check_count("n_flows", n_flows, 1)
    _check_count("n_classes", n_classes, 2)
    _check_count("n_packets", n_packets, 1)
    _check_count("max_size", max_size, 64)
    if n_flows < n_classes:
        raise ValueError(
            f"n_flows must be >= n_classes so that every class has a flow, got "
            f"n_flows={n_flows} and n_classes={n_classes}. Raise n_flows or lower "
            "n_classes."
        )
    weights = _check_weights(weights, n_classes)
    generator = check_random_generator(random_state)

    counts = _class_counts(weights, n_flows)
    labels = generator.permutation(np.repeat(np.arange(n_classes), counts))
    laws = _class_laws(n_classes, max_size)
    law_labels = np.where(
        generator.random(n_flows) < _SHARED_LIBRARY_SHARE,
        generator.integers(0, n_classes, n_flows),
        labels,
    )
    X, lengths = _draw_flows(law_labels, laws, n_packets, max_size, generator)
    X = check_flows(X)

    width = len(str(n_classes - 1))
    names = np.array([f"app_{k:0{width}d}" for k in range(n_classes)], dtype=object)
    target = names[labels]
    if return_X_y:
        return X, target

    flows = pd.DataFrame(
        {"flow_id": np.arange(n_flows), "label": target, "n_packets": lengths}
    )
    return Bunch(
        data=X,
        target=target,
        target_names=np.array(sorted(names), dtype=object),
        flows=flows,
        DESCR=_describe(n_flows, n_classes, counts, n_packets, max_size),
    )


def _check_count(name, value, minimum):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(
            f"{name} must be an int, got {value!r} of type {type(value).__name__}. "
            f"Pass a whole number >= {minimum}."
        )
    if value < minimum:
        raise ValueError(
            f"{name} must be an int >= {minimum}, got {value!r}. "
            f"Pass a whole number >= {minimum}."
        )


def _check_weights(weights, n_classes):
    if weights is None:
        return _DEFAULT_IMBALANCE ** (-np.arange(n_classes) / (n_classes - 1))

    try:
        weights = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"weights must be a sequence of {n_classes} positive numbers, got "
            f"{weights!r}. Pass one relative frequency per class, or None."
        ) from None
    if weights.shape != (n_classes,):
        raise ValueError(
            f"weights must have one value per class (n_classes={n_classes}), got "
            f"shape {weights.shape}. Pass {n_classes} relative frequencies."
        )
    if not (np.isfinite(weights).all() and (weights > 0).all()):
        raise ValueError(
            f"weights must be finite and > 0, got {weights.tolist()}. Every class "
            "needs a positive frequency; lower n_classes to drop a class."
        )
    return weights


def _class_counts(weights, n_flows):
    """Split ``n_flows`` by ``weights`` with largest remainders, one flow at least."""
    n_classes = len(weights)
    shares = weights / weights.sum() * (n_flows - n_classes)
    counts = np.floor(shares).astype(np.int64)
    remainder = n_flows - n_classes - counts.sum()
    order = np.argsort(-(shares - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts + 1


def _class_laws(n_classes, max_size):
    """Draw each class's traffic laws from the fixed seed, as arrays over classes."""
    rng = np.random.default_rng(_LAW_SEED)
    k, m = n_classes, _N_MODES
    # Mode centres as fractions of max_size: upload modes lean small (requests),
    # download modes spread up to full-size packets.
    return {
        "hello_size": rng.uniform(0.15, 0.35, k) * max_size,
        "two_hellos": rng.uniform(0.0, 1.0, k),
        "reply_size": rng.uniform(0.3, 1.0, k) * max_size,
        "p_upload": rng.uniform(0.2, 0.6, k),
        "p_repeat": rng.uniform(0.3, 0.8, k),
        "up_centres": rng.uniform(0.02, 0.5, (k, m)) * max_size,
        "down_centres": rng.uniform(0.05, 1.0, (k, m)) * max_size,
        "up_mix": rng.dirichlet(np.ones(m), k),
        "down_mix": rng.dirichlet(np.ones(m), k),
        "mode_spread": rng.uniform(0.03, 0.10, k) * max_size,
        "iat_log_mean": rng.uniform(np.log(2e-3), np.log(0.2), k),
        "iat_log_std": rng.uniform(0.8, 1.8, k),
        "length_log_mean": rng.uniform(np.log(8), np.log(40), k),
    }


def _draw_flows(labels, laws, n_packets, max_size, generator):
    """Draw the flows of the given class labels; return them and their lengths."""
    n_flows = len(labels)
    lengths = _draw_lengths(labels, laws, generator)
    real = np.arange(n_packets) < np.minimum(lengths, n_packets)[:, None]

    # Draw at least the three handshake packets, then keep the first n_packets.
    width = max(n_packets, 3)
    directions = _draw_directions(labels, laws, width, generator)
    sizes = _draw_sizes(labels, laws, directions, max_size, generator)
    iats = _draw_iats(labels, laws, directions, generator)
    directions, sizes, iats = (
        values[:, :n_packets] for values in (directions, sizes, iats)
    )

    X = np.zeros((n_flows, N_CHANNELS, n_packets), dtype=np.float32)
    X[:, SIZE] = np.clip(np.rint(sizes), 1, max_size) * real
    X[:, DIRECTION] = np.where(real, directions, 0)
    X[:, IAT] = iats * real
    return X, lengths


def _draw_lengths(labels, laws, generator):
    log_lengths = generator.normal(laws["length_log_mean"][labels], 0.6)
    return np.maximum(np.rint(np.exp(log_lengths)), 3).astype(np.int64)


def _draw_directions(labels, laws, n_packets, generator):
    """Draw directions: client hello(s), server reply, then a class Markov chain."""
    n_flows = len(labels)
    directions = np.empty((n_flows, n_packets), dtype=np.float32)
    two_hellos = generator.random(n_flows) < laws["two_hellos"][labels]
    handshake = np.column_stack(
        [np.ones(n_flows), np.where(two_hellos, 1.0, -1.0), -np.ones(n_flows)]
    )
    directions[:, :3] = handshake

    p_upload, p_repeat = laws["p_upload"][labels], laws["p_repeat"][labels]
    draws = generator.random((n_flows, n_packets, 2))
    for packet in range(3, n_packets):
        repeat = draws[:, packet, 0] < p_repeat
        fresh = np.where(draws[:, packet, 1] < p_upload, 1.0, -1.0)
        directions[:, packet] = np.where(repeat, directions[:, packet - 1], fresh)
    return directions


def _draw_sizes(labels, laws, directions, max_size, generator):
    """Draw sizes from each class's mode mixtures, with a share of shared sizes."""
    n_flows, n_packets = directions.shape
    upload = directions > 0

    up_mode = _pick_modes(laws["up_mix"][labels], n_packets, generator)
    down_mode = _pick_modes(laws["down_mix"][labels], n_packets, generator)
    rows = labels[:, None]
    centres = np.where(
        upload,
        laws["up_centres"][rows, up_mode],
        laws["down_centres"][rows, down_mode],
    )
    spread = laws["mode_spread"][labels][:, None]
    sizes = generator.normal(centres, spread)

    # Shared law: small ACK-like packets upstream, full-size packets downstream.
    shared = generator.random((n_flows, n_packets)) < _SHARED_SIZE_SHARE
    shared_sizes = np.where(
        upload,
        generator.uniform(1, 0.05 * max_size, (n_flows, n_packets)),
        max_size - generator.exponential(0.02 * max_size, (n_flows, n_packets)),
    )
    sizes = np.where(shared, shared_sizes, sizes)

    # Handshake: client hello(s) and server reply around class-specific sizes.
    hello = generator.normal(laws["hello_size"][labels], 0.05 * max_size)
    reply = generator.normal(laws["reply_size"][labels], 0.15 * max_size)
    sizes[:, :3] = np.column_stack([hello, np.where(upload[:, 1], hello, reply), reply])
    return sizes


def _pick_modes(mixtures, n_packets, generator):
    """Draw one mode index per packet from each flow's mixture weights."""
    cumulative = np.cumsum(mixtures, axis=1)[:, None, :]
    draws = generator.random((len(mixtures), n_packets, 1))
    modes = (draws > cumulative).sum(axis=2)
    return np.minimum(modes, mixtures.shape[1] - 1)


def _draw_iats(labels, laws, directions, generator):
    """Draw log-normal IATs in seconds, the reply one round trip after the hello."""
    n_flows, n_packets = directions.shape
    log_mean = laws["iat_log_mean"][labels][:, None]
    log_std = laws["iat_log_std"][labels][:, None]
    iats = np.exp(generator.normal(log_mean, log_std, (n_flows, n_packets)))

    # One round-trip time per flow (path property, shared by all classes) scales the
    # flow's timing, which blurs the classes' IAT laws.
    rtt = np.exp(generator.normal(np.log(0.03), 0.7, n_flows))
    iats *= (rtt / 0.03)[:, None]
    reply = np.where(directions[:, 1] > 0, 2, 1)
    iats[np.arange(n_flows), reply] = rtt
    iats[:, 0] = 0.0
    return iats


def _describe(n_flows, n_classes, counts, n_packets, max_size):
    per_class = ", ".join(f"{count}" for count in counts)
    return (
        "Synthetic app-like flows (skaug.datasets.make_flows)\n"
        "----------------------------------------------------\n\n"
        "These flows are generated, not captured: use them for examples, tests and "
        "quick experiments, never to report results on real traffic.\n\n"
        f"Flows: {n_flows}; classes: {n_classes} (flows per class: {per_class}); "
        f"packets per flow: {n_packets}; largest size: {max_size} bytes.\n"
        "Each class has fixed laws for its handshake sizes, direction pattern, size "
        "modes, log-normal IATs and flow length. The classes overlap on purpose.\n"
    )
