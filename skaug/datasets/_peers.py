"""Convert packet series stored by other traffic classification tools to flow arrays.

Each reader converts one peer's conventions (direction codes, padding value, channel
order, time unit) to the flow array of :mod:`skaug.flows` at the edge:

=====================  ===================  ==================  ==========  ========
source                 direction            padding             time        order
=====================  ===================  ==================  ==========  ========
tcbench parquet        +1/-1, or 1/0        shorter lists       s           columns
CESNET DataZoo PPI     +1/-1                zeros               ms (IPT)    IPT, DIR,
                                                                            SIZE
nfstream SPLT          0 = src->dst, 1      -1                  ms (PIAT)   arrays
skaug                  +1 / -1              0 (direction 0)     s (IAT)     SIZE, DIR,
                                                                            IAT
=====================  ===================  ==================  ==========  ========
"""

import numbers

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..flows import DEFAULT_N_PACKETS, DIRECTION, IAT, N_CHANNELS, SIZE, check_flows

__all__ = ["from_datazoo_arrays", "from_nfstream_splt", "read_tcbench_parquet"]

_DATAZOO_IPT, _DATAZOO_DIR, _DATAZOO_SIZE = 0, 1, 2
_NFSTREAM_PADDING = -1


def _check_n_packets(n_packets):
    if not isinstance(n_packets, numbers.Integral) or isinstance(n_packets, bool):
        raise TypeError(f"n_packets must be an int, got {n_packets!r}.")
    if n_packets < 1:
        raise ValueError(
            f"n_packets must be >= 1, got {n_packets}. Pass the number of first "
            "packets to keep per flow, e.g. 20."
        )


def _fit_length(array, n_packets):
    """Cut or zero-pad the last axis of ``array`` to ``n_packets``."""
    length = array.shape[-1]
    if length >= n_packets:
        return array[..., :n_packets]
    padding = [(0, 0)] * (array.ndim - 1) + [(0, n_packets - length)]
    return np.pad(array, padding)


def _check_labels(y, n_flows):
    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n_flows:
        raise ValueError(
            f"y must be 1-D with one label per flow ({n_flows}), got shape {y.shape}."
        )
    return y


def _first_position(mask):
    flow, packet = np.argwhere(mask)[0]
    return int(flow), int(packet)


def from_datazoo_arrays(ppi, y=None, *, n_packets=DEFAULT_N_PACKETS):
    """Convert CESNET DataZoo per-packet information (PPI) arrays to flows.

    Parameters
    ----------
    ppi : array-like of shape (n_flows, 3, length) or (n_flows, 4, length)
        PPI sequences as returned by ``cesnet-datazoo``: channel 0 the inter-packet
        time (IPT) in milliseconds, channel 1 the direction (+1 client to server,
        -1 server to client), channel 2 the transport payload size in bytes, and
        optionally channel 3 the TCP PUSH flags (ignored). Flows shorter than
        ``length`` (30 in DataZoo) are zero-padded.
    y : array-like of shape (n_flows,), default=None
        Labels, returned unchanged next to the flows.
    n_packets : int, default=20
        Number of first packets kept per flow.

    Returns
    -------
    X : ndarray of shape (n_flows, 3, n_packets), dtype float32
        Flows in the convention of :mod:`skaug.flows`: the channels reordered to
        size, direction, IAT and the IATs converted to seconds.
    (X, y) : tuple
        If ``y`` is given.

    Raises
    ------
    ValueError
        If ``ppi`` has the wrong shape, a direction outside {-1, 0, +1}, negative
        or non-integer sizes (scaled data), or negative IPTs.

    Notes
    -----
    The convention is the one documented by CESNET DataZoo (``docs/features.md``
    and ``cesnet_datazoo/constants.py``: ``IPT_POS = 0``, ``DIR_POS = 1``,
    ``SIZE_POS = 2``). Load the data without DataZoo's scalers
    (``psizes_scaler`` and ``ipt_scaler`` set to None), because scaled values
    cannot be converted back to bytes and seconds.

    References
    ----------
    J. Luxemburk and K. Hynek, "DataZoo: Streamlining traffic classification
    experiments", in Proc. CoNEXT Workshop on Explainable and Safety Bounded,
    Fidelitous, Machine Learning for Networking (SAFE), ACM, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from skaug.datasets import from_datazoo_arrays
    >>> ppi = np.zeros((1, 3, 30))
    >>> ppi[0, :, :2] = [[0, 25], [1, -1], [517, 1460]]
    >>> from_datazoo_arrays(ppi, n_packets=3)[0].tolist()
    [[517.0, 1460.0, 0.0], [1.0, -1.0, 0.0], [0.0, 0.02500000037252903, 0.0]]
    """
    _check_n_packets(n_packets)
    ppi = _as_float_array(ppi, "ppi")
    if ppi.ndim != 3 or ppi.shape[1] not in (3, 4):
        raise ValueError(
            "ppi must have shape (n_flows, 3, length) or (n_flows, 4, length) with "
            f"channels IPT, direction, size[, push flag], got shape {ppi.shape}. "
            "Transpose (n_flows, length, 3) arrays with ppi.transpose(0, 2, 1)."
        )
    ipts, directions, sizes = (
        ppi[:, _DATAZOO_IPT],
        ppi[:, _DATAZOO_DIR],
        ppi[:, _DATAZOO_SIZE],
    )

    bad = (directions != 1) & (directions != -1) & (directions != 0)
    if bad.any():
        flow, packet = _first_position(bad)
        raise ValueError(
            f"ppi direction (channel 1) must be +1, -1 or 0 (padding), but flow "
            f"{flow} packet {packet} has {directions[flow, packet].item()!r}. DataZoo "
            "stores IPT, direction, size in this order; check the channel order."
        )
    bad = (sizes < 0) | (sizes != np.round(sizes))
    if bad.any():
        flow, packet = _first_position(bad)
        raise ValueError(
            f"ppi sizes (channel 2) must be integers >= 0 bytes, but flow {flow} "
            f"packet {packet} has {sizes[flow, packet].item()!r}. Load the data with "
            "psizes_scaler=None so sizes stay in bytes."
        )
    if (ipts < 0).any():
        flow, packet = _first_position(ipts < 0)
        raise ValueError(
            f"ppi IPTs (channel 0) must be >= 0 ms, but flow {flow} packet {packet} "
            f"has {ipts[flow, packet].item()!r}. Load the data with ipt_scaler=None."
        )

    X = np.zeros((len(ppi), N_CHANNELS, ppi.shape[2]), dtype=np.float64)
    X[:, SIZE] = sizes
    X[:, DIRECTION] = directions
    X[:, IAT] = ipts / 1000.0
    # The first packet of a flow has no predecessor, so its IAT is 0 by convention.
    X[:, IAT, 0] = 0
    X = check_flows(_fit_length(X, n_packets), name="ppi (converted)")
    y = _check_labels(y, len(X))
    return X if y is None else (X, y)


def _as_float_array(values, name):
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a numeric array (ragged lists are not supported), got "
            f"{type(values).__name__}: {exc}"
        ) from None


def from_nfstream_splt(
    directions, piats_ms, sizes, y=None, *, n_packets=DEFAULT_N_PACKETS
):
    """Convert nfstream's early-flow SPLT arrays to flows.

    Parameters
    ----------
    directions : array-like of shape (n_flows, length)
        ``splt_direction``: 0 for a packet from the flow's source to its
        destination (src->dst, the direction of the first packet, so upload),
        1 for the reverse (download), -1 for padding.
    piats_ms : array-like of shape (n_flows, length)
        ``splt_piat_ms``: packet inter-arrival times in milliseconds (0 for the
        first packet), -1 for padding.
    sizes : array-like of shape (n_flows, length)
        ``splt_ps``: packet sizes in bytes, -1 for padding.
    y : array-like of shape (n_flows,), default=None
        Labels, returned unchanged next to the flows.
    n_packets : int, default=20
        Number of first packets kept per flow.

    Returns
    -------
    X : ndarray of shape (n_flows, 3, n_packets), dtype float32
        Flows in the convention of :mod:`skaug.flows`: direction 0 -> +1,
        1 -> -1, padding -> 0 in every channel, IATs in seconds.
    (X, y) : tuple
        If ``y`` is given.

    Raises
    ------
    ValueError
        If the arrays differ in shape, a direction is not 0, 1 or -1, or a real
        packet has a negative size or inter-arrival time.

    Notes
    -----
    The convention is nfstream's (``NFStreamer(splt_analysis=length)``, nfstream
    6.x documentation and README: ``splt_direction`` 0 for src_to_dst and 1 for
    dst_to_src, ``splt_ps`` and ``splt_piat_ms`` in bytes and milliseconds, -1
    as the padding value). Which size ``splt_ps`` contains (link-layer, IP,
    transport or payload bytes) depends on nfstream's ``accounting_mode``; sizes
    are kept as they are.

    Examples
    --------
    >>> from skaug.datasets import from_nfstream_splt
    >>> X = from_nfstream_splt([[0, 1, -1]], [[0, 303, -1]], [[74, 1454, -1]],
    ...                        n_packets=3)
    >>> X[0].tolist()
    [[74.0, 1454.0, 0.0], [1.0, -1.0, 0.0], [0.0, 0.30300000309944153, 0.0]]
    """
    _check_n_packets(n_packets)
    arrays = {
        "directions": _as_float_array(directions, "directions"),
        "piats_ms": _as_float_array(piats_ms, "piats_ms"),
        "sizes": _as_float_array(sizes, "sizes"),
    }
    shapes = {name: array.shape for name, array in arrays.items()}
    if len(set(shapes.values())) != 1 or arrays["directions"].ndim != 2:
        raise ValueError(
            "directions, piats_ms and sizes must be 2-D arrays of the same shape "
            f"(n_flows, length), got {shapes}. Stack the splt_* columns with "
            "np.stack(df['splt_direction'].to_numpy())."
        )
    directions, piats_ms, sizes = arrays.values()

    bad = (directions != 0) & (directions != 1) & (directions != _NFSTREAM_PADDING)
    if bad.any():
        flow, packet = _first_position(bad)
        raise ValueError(
            f"directions must be nfstream codes 0 (src->dst), 1 (dst->src) or -1 "
            f"(padding), but flow {flow} packet {packet} has "
            f"{directions[flow, packet].item()!r}. For +1/-1 directions build the "
            "flows with skaug.flows.flows_from_packets."
        )
    real = directions != _NFSTREAM_PADDING
    for name, values, unit in (("sizes", sizes, "bytes"), ("piats_ms", piats_ms, "ms")):
        bad = real & (values < 0)
        if bad.any():
            flow, packet = _first_position(bad)
            raise ValueError(
                f"{name} must be >= 0 {unit} on real packets, but flow {flow} "
                f"packet {packet} has {values[flow, packet].item()!r} while its "
                "direction is not the padding value -1."
            )

    X = np.zeros((len(directions), N_CHANNELS, directions.shape[1]))
    X[:, SIZE] = np.where(real, sizes, 0.0)
    X[:, DIRECTION] = np.where(real, 1.0 - 2.0 * directions, 0.0)
    X[:, IAT] = np.where(real, piats_ms / 1000.0, 0.0)
    # The first packet of a flow has no predecessor, so its IAT is 0 by convention.
    X[:, IAT, 0] = 0
    X = check_flows(_fit_length(X, n_packets), name="SPLT (converted)")
    y = _check_labels(y, len(X))
    return X if y is None else (X, y)


_TIME_COLUMNS = ("pkts_timetofirst", "timetofirst", "pkts_iat")


def read_tcbench_parquet(
    path,
    *,
    n_packets=DEFAULT_N_PACKETS,
    label_column="app",
    size_column="pkts_size",
    direction_column="pkts_dir",
    time_column="auto",
    direction_map=None,
    return_X_y=False,
):
    """Read flows from a tcbench-style parquet file of per-flow packet series.

    Parameters
    ----------
    path : str or os.PathLike
        Parquet file (or folder of parquet files) with one row per flow.
    n_packets : int, default=20
        Number of first packets kept per flow.
    label_column : str, default="app"
        Column of the class labels.
    size_column : str, default="pkts_size"
        List column of packet sizes in bytes.
    direction_column : str, default="pkts_dir"
        List column of packet directions.
    time_column : str, default="auto"
        List column of packet times in seconds. A name containing ``iat`` contains
        inter-arrival times. Any other name contains times since the flow's first
        packet (``timetofirst``), turned into IATs by differencing. ``"auto"``
        takes the first present of ``pkts_timetofirst``, ``timetofirst`` and
        ``pkts_iat``.
    direction_map : mapping, default=None
        Code of the file -> skaug direction (+1 upload, -1 download). None
        detects the convention over the whole column: codes within {-1, +1} are
        kept, codes within {0, 1} follow tcbench's UC Davis schema (1 upload,
        0 download). Pass ``{0: 1, 1: -1}`` for MIRAGE's raw ``packet_dir``
        (0 upload).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (flow array), ``target`` (labels as strings), ``target_names``,
        ``flows`` (the file's scalar columns, one row per flow) and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ImportError
        If pyarrow is not installed.
    ValueError
        If a column is missing, a flow's lists differ in length, a direction code
        is unknown, or times go backwards.

    Notes
    -----
    Conventions follow tcbench's curated schemas (tcbench 0.0.22,
    ``libtcdatasets/resources/schema_*.yml``): ``pkts_dir`` is +1 upload / -1
    download for MIRAGE and 1 upload / 0 download for UC Davis ICDM-19, and
    ``pkts_timetofirst`` is the time since the first packet in seconds.

    References
    ----------
    A. Finamore, C. Wang, J. Krolikowski, J. M. Navarro, F. Chen and D. Rossi,
    "Replication: Contrastive learning and data augmentation in traffic
    classification using a flowpic input representation", in Proc. ACM Internet
    Measurement Conference (IMC), 2023.
    """
    _check_n_packets(n_packets)
    try:
        frame = pd.read_parquet(path, engine="pyarrow")
    except ImportError as exc:
        raise ImportError(
            "read_tcbench_parquet needs pyarrow: pip install 'skaug[parquet]'."
        ) from exc

    if time_column == "auto":
        present = [name for name in _TIME_COLUMNS if name in frame.columns]
        if not present:
            raise ValueError(
                f"{str(path)!r} has none of the time columns {list(_TIME_COLUMNS)}. "
                "Pass time_column with the name of the list column of packet times."
            )
        time_column = present[0]
    columns = {
        "label_column": label_column,
        "size_column": size_column,
        "direction_column": direction_column,
        "time_column": time_column,
    }
    for parameter, column in columns.items():
        if column not in frame.columns:
            raise ValueError(
                f"{parameter}={column!r} is not a column of {str(path)!r}; its "
                f"columns are {list(frame.columns)}."
            )

    sizes, directions, times = (
        [np.asarray(values, dtype=np.float64) for values in frame[column]]
        for column in (size_column, direction_column, time_column)
    )
    mapping = _direction_mapping(directions, direction_map, direction_column)
    is_iat = "iat" in time_column.lower()

    X = np.zeros((len(frame), N_CHANNELS, n_packets), dtype=np.float64)
    for i, (size, direction, time) in enumerate(zip(sizes, directions, times)):
        if not len(size) == len(direction) == len(time):
            raise ValueError(
                f"Flow {i} has lists of unequal length ({size_column}: {len(size)}, "
                f"{direction_column}: {len(direction)}, {time_column}: {len(time)})."
            )
        iat = time if is_iat else np.diff(time, prepend=time[:1])
        if (iat < 0).any():
            raise ValueError(
                f"Flow {i} has {time_column} values that go backwards "
                f"({time[:n_packets].tolist()}); times must not decrease."
            )
        length = min(len(size), n_packets)
        X[i, SIZE, :length] = size[:length]
        X[i, DIRECTION, :length] = [mapping[code] for code in direction[:length]]
        X[i, IAT, :length] = iat[:length]
    X = check_flows(X, name=f"flows of {str(path)!r}")

    missing = frame[label_column].isna().to_numpy()
    if missing.any():
        raise ValueError(
            f"{str(path)!r} has no {label_column!r} label for {missing.sum()} flows "
            f"(first: flow {int(np.argmax(missing))}). Drop those rows or fill the "
            "label column before loading."
        )
    target = frame[label_column].astype(str).to_numpy(dtype=object)
    if return_X_y:
        return X, target
    scalar = [
        column
        for column in frame.columns
        if column not in (size_column, direction_column, time_column)
        and not frame[column]
        .map(lambda value: hasattr(value, "__len__") and not isinstance(value, str))
        .any()
    ]
    return Bunch(
        data=X,
        target=target,
        target_names=np.unique(target),
        flows=frame[scalar].reset_index(drop=True),
        DESCR=f"{len(X)} flows read from {str(path)!r} (tcbench-style parquet); "
        f"sizes from {size_column}, directions from {direction_column}, times from "
        f"{time_column}.",
    )


def _direction_mapping(directions, direction_map, column):
    codes = set(np.unique(np.concatenate(directions)).tolist()) if directions else set()
    if direction_map is None:
        if codes <= {-1.0, 1.0}:
            direction_map = {1: 1, -1: -1}
        elif codes <= {0.0, 1.0}:
            direction_map = {1: 1, 0: -1}
        else:
            raise ValueError(
                f"{column} contains the codes {sorted(codes)}, neither +1/-1 nor 0/1. "
                "Pass direction_map, e.g. {0: 1, 1: -1} for 0 = upload."
            )
    mapping = {float(code): value for code, value in direction_map.items()}
    unknown = codes - set(mapping)
    if unknown:
        raise ValueError(
            f"{column} contains codes {sorted(unknown)} that direction_map "
            f"{direction_map!r} does not map. Add them to direction_map."
        )
    bad = {code: value for code, value in mapping.items() if value not in (1, -1)}
    if bad:
        raise ValueError(
            f"direction_map must map codes to +1 (upload) or -1 (download), got {bad}."
        )
    return mapping
