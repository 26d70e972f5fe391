"""Loaders of the MIRAGE-2019 and MIRAGE-2022 mobile app traffic data sets."""

import logging
import numbers

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from ..flows import DEFAULT_N_PACKETS, DIRECTION, IAT, N_CHANNELS, SIZE, check_flows
from ._mirage_files import DataWarning, Problems, read_mirage

__all__ = ["DataWarning", "load_mirage19", "load_mirage22", "mirage_split"]

logger = logging.getLogger(__name__)

# Curation of the tcbench framework (version 0.0.22), which the 2023 data
# augmentation study of Wang, Finamore, Michiardi, Gallo and Rossi used.
MIN_PACKETS = 11
MIN_CLASS_FLOWS = 101
N_SPLITS = 5
SPLIT_SEED = 12345
TEST_SIZE = 0.1
VAL_SIZE = 0.1

_REFERENCES = (
    "G. Aceto, D. Ciuonzo, A. Montieri, V. Persico, A. Pescape, 'MIRAGE: Mobile-app "
    "Traffic Capture and Ground-truth Creation', 4th International Conference on "
    "Computing, Communications and Security (ICCCS), 2019.\n"
    "A. Finamore, C. Wang, J. Krolikowski, J. M. Navarro, F. Chen, D. Rossi, "
    "'Replication: Contrastive Learning and Data Augmentation in Traffic "
    "Classification Using a Flowpic Input Representation', ACM IMC 2023 (tcbench)."
)

_PARAMETERS_DOC = """
    Parameters
    ----------
    path : str or path-like
        The unpacked data set folder (searched recursively, one subfolder per
        capture device) or its ``.tar``/``.tar.gz`` archive, read without
        extracting it to disk.
    n_packets : int, default=20
        Number of first payload packets kept per flow; flows are zero-padded.
    split : int or None, default=None
        If an int in 0-4, also return tcbench's stratified split of that index
        (see :func:`mirage_split`) as index arrays.
    on_error : {"raise", "warn"}, default="raise"
        What to do with invalid data (invalid JSON, missing keys, packet lists of
        unequal length, non-numeric values, negative IATs, directions other than
        0/1, negative payload sizes). ``"raise"`` raises ``ValueError`` naming the
        file, flow id and packet. ``"warn"`` skips the invalid flow (or file),
        loads the rest and emits one :class:`DataWarning` with the counts.
        Background flows are dropped before their packets are checked.

    Returns
    -------
    data : sklearn.utils.Bunch
        Dictionary-like object with the fields:

        data : ndarray of shape (n_flows, 3, n_packets), dtype float32
            Flows: L4 payload sizes in bytes, directions (+1 upload, -1 download,
            0 padding) and IATs in seconds between payload packets.
        target : ndarray of shape (n_flows,), dtype object
            App (Android package name) of each flow.
        target_names : ndarray of shape (n_classes,)
            Sorted app names.
        flows : pandas.DataFrame
            One row per flow: ``flow_id`` (the JSON key
            ``"src_ip,src_port,dst_ip,dst_port,proto"``), ``label`` and ``app``
            (the app), ``file`` (JSON file name), ``device`` (capture device
            folder), ``n_packets`` (payload packets of the flow before truncation to
            ``n_packets``) and ``size_definition`` (``"l4_payload"``).
        curation : dict
            Number of flows read, dropped as background, dropped with too few
            payload packets, dropped with their class, and kept.
        train_index, val_index, test_index : ndarray of int
            Only when ``split`` is given: the rows of each part.
        DESCR : str
            Description of the data set and of the curation.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist or contains no file of the data set.
    ValueError
        If ``on_error="raise"`` and the data is invalid, or a parameter is.
"""

_CURATION_DOC = """
    The curation follows the tcbench framework (version 0.0.22):

    1. the app is the package name in the file name, and a flow whose
       ``BF_label`` differs is background and is dropped (files whose app is
       ``None`` hold only background traffic){activity};
    2. packets with zero L4 payload (pure ACKs) are removed, and the IATs of the
       remaining packets are recomputed from the cumulative times (first IAT 0);
    3. flows with 10 or fewer remaining packets are dropped;
    4. classes with 100 or fewer flows are dropped.

    Rows come in the order of (device, file name) and of the flows in each file.
"""


def load_mirage19(path, *, n_packets=DEFAULT_N_PACKETS, split=None, on_error="raise"):
    return _load(path, "MIRAGE-2019", n_packets, split, on_error, False)


def load_mirage22(path, *, n_packets=DEFAULT_N_PACKETS, split=None, on_error="raise"):
    return _load(path, "MIRAGE-2022", n_packets, split, on_error, True)


load_mirage19.__doc__ = (
    """Load and curate MIRAGE-2019 as the tcbench framework does.

    MIRAGE-2019 (Aceto et al., 2019) contains the traffic of 20 Android apps captured
    on two devices, one JSON file per capture. This curation
    gives 64,172 flows of 11 to 32 payload packets in 20 classes.
"""
    + _CURATION_DOC.format(activity="")
    + _PARAMETERS_DOC
    + """
    Notes
    -----
    Sizes are L4 payload bytes and are not clipped: a capture with segmentation
    offload may show payloads above 1500 bytes.

    NOTE: the loader follows the published schema and curation but could not be
    run on the real archive offline, so the counts above are not checked by a
    test.

    References
    ----------
    .. [1] """
    + _REFERENCES.replace("\n", "\n    .. [2] ")
    + """

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from skaug.datasets import load_mirage19
    >>> packets = {"L4_payload_bytes": [0] + [120] * 12, "packet_dir": [0, 1] * 6 + [0],
    ...            "iat": [0.0] + [0.01] * 12}
    >>> flows = {f"10.0.0.2,{port},1.1.1.1,443,6": {"packet_data": packets,
    ...          "flow_metadata": {"BF_label": "com.example.app"}}
    ...          for port in range(40000, 40120)}
    >>> name = "1555000000_com.example.app_MIRAGE-2019_traffic_dataset_labeled_biflows"
    >>> with tempfile.TemporaryDirectory() as root:
    ...     device = pathlib.Path(root, "phone")
    ...     device.mkdir()
    ...     _ = (device / f"{name}.json").write_text(json.dumps(flows))
    ...     bunch = load_mirage19(root, split=0)
    >>> bunch.data.shape
    (120, 3, 20)
    >>> bunch.flows["n_packets"].unique().tolist()
    [12]
    >>> len(bunch.train_index), len(bunch.val_index), len(bunch.test_index)
    (97, 11, 12)
"""
)

load_mirage22.__doc__ = (
    """Load and curate MIRAGE-2022 as the tcbench framework does.

    MIRAGE-2022 contains the traffic of video-meeting Android apps, in the layout of
    MIRAGE-2019 with more fields; the same curation gives 26,773
    flows in 9 classes.
"""
    + _CURATION_DOC.format(
        activity=(
            "; flows whose ``flow_metadata.BF_activity`` is ``Unknown`` are "
            "background too"
        )
    )
    + _PARAMETERS_DOC
    + """
    See Also
    --------
    load_mirage19 : the same loader for MIRAGE-2019.
"""
)


def mirage_split(y, index):
    """Split flows into train, validation and test parts as tcbench does.

    Split ``index`` holds out a stratified 10% of the flows for test, then a
    stratified 10% of the rest for validation, both with ``random_state=12345 +
    index`` (about 81/9/10%). tcbench defines the five splits 0-4.

    Parameters
    ----------
    y : array-like of shape (n_flows,)
        Class labels, each class with at least 2 flows in every part it is split.
    index : int
        Split index, 0 to 4.

    Returns
    -------
    train_index, val_index, test_index : ndarray of int
        Row indices of the three disjoint parts, in the order that
        :func:`sklearn.model_selection.train_test_split` returns them.

    Notes
    -----
    NOTE: the sizes of the parts follow from the rule (split 0 of the 64,172
    curated MIRAGE-2019 flows gives 51,978/5,776/6,418), but the rows match
    tcbench's only if the flows come in the same order, which could not be
    checked without the real data.

    Examples
    --------
    >>> import numpy as np
    >>> from skaug.datasets import mirage_split
    >>> y = np.repeat(["a", "b"], [600, 400])
    >>> train, val, test = mirage_split(y, 0)
    >>> len(train), len(val), len(test)
    (810, 90, 100)
    """
    if not isinstance(index, numbers.Integral) or not 0 <= index < N_SPLITS:
        raise ValueError(
            f"split index must be an int from 0 to {N_SPLITS - 1}, got {index!r}. "
            "tcbench defines the five splits 0-4."
        )

    y = np.asarray(y)
    rows = np.arange(len(y))
    seed = SPLIT_SEED + int(index)
    rest, test = train_test_split(
        rows, test_size=TEST_SIZE, stratify=y, random_state=seed
    )
    train, val = train_test_split(
        rest, test_size=VAL_SIZE, stratify=y[rest], random_state=seed
    )
    return train, val, test


def _load(path, dataset, n_packets, split, on_error, activity_background):
    if not isinstance(n_packets, numbers.Integral) or n_packets < 1:
        raise ValueError(
            f"n_packets must be an int >= 1, got {n_packets!r}. Pass the number of "
            "first packets to keep per flow, e.g. 20."
        )
    if on_error not in ("raise", "warn"):
        raise ValueError(
            f"on_error must be 'raise' or 'warn', got {on_error!r}. Use 'warn' to "
            "skip invalid flows and files."
        )
    if split is not None and (
        not isinstance(split, numbers.Integral) or not 0 <= split < N_SPLITS
    ):
        raise ValueError(
            f"split must be None or an int from 0 to {N_SPLITS - 1}, got {split!r}."
        )

    problems = Problems(on_error)
    source = read_mirage(
        path, dataset, problems, activity_background=activity_background
    )
    curated = _curate(source, n_packets, problems)
    problems.warn(stacklevel=4)

    bunch = _to_bunch(source, curated, dataset, n_packets)
    if split is not None:
        train, val, test = mirage_split(bunch.target, split)
        bunch.update(train_index=train, val_index=val, test_index=test)
    return bunch


def _curate(source, n_packets, problems):
    """Check packets, drop ACKs, short flows and small classes; build the array."""
    n_flows = len(source.flow_ids)
    arrays = source.arrays()
    payload, direction, iat = arrays["payload"], arrays["direction"], arrays["iat"]
    lengths = arrays["lengths"]
    valid = arrays["numeric"]
    flow_of_packet = np.repeat(np.arange(n_flows), lengths)
    starts = np.cumsum(lengths) - lengths

    def where(flow):
        file = source.files[source.file_index[flow]]
        return f"{file}, flow {source.flow_ids[flow]!r}"

    checks = [
        (values, ~np.isfinite(values), f"{name} is null, NaN or infinite")
        for name, values in (
            ("iat", iat),
            ("packet_dir", direction),
            ("L4_payload_bytes", payload),
        )
    ]
    checks += [
        (iat, iat < 0, "IAT {value!r} s is negative, so the packet times decrease"),
        (
            direction,
            (direction != 0) & (direction != 1),
            "packet_dir {value!r} is not 0 (upload) or 1 (download)",
        ),
        (
            payload,
            (payload < 0) | (payload != np.floor(payload)),
            "L4_payload_bytes {value!r} is not a whole number >= 0",
        ),
    ]
    for values, bad, rule in checks:
        bad &= valid[flow_of_packet]
        valid &= _report_packets(
            values, bad, flow_of_packet, starts, rule, where, problems
        )

    # Step 2: drop zero-payload packets. A dropped packet's IAT is added to the
    # next kept packet, which is the IAT recomputed from cumulative times.
    kept = np.flatnonzero((payload > 0) & valid[flow_of_packet])
    kept_flow = flow_of_packet[kept]
    gaps = np.add.reduceat(np.append(iat, 0.0), kept + 1)[:-1] if len(kept) else []
    kept_iat = np.concatenate(([0.0], gaps))[: len(kept)]
    counts = np.bincount(kept_flow, minlength=n_flows)
    first_kept = np.cumsum(counts) - counts
    position = np.arange(len(kept)) - first_kept[kept_flow]
    kept_iat[position == 0] = 0.0

    # Steps 3 and 4: drop short flows, then small classes.
    long_enough = valid & (counts >= MIN_PACKETS)
    apps = np.asarray(source.apps, dtype=object)
    names, class_sizes = np.unique(apps[long_enough], return_counts=True)
    large_classes = names[class_sizes >= MIN_CLASS_FLOWS]
    selected = long_enough & np.isin(apps, large_classes)

    rows = np.flatnonzero(selected)
    order = np.argsort(_file_rank(source)[rows], kind="stable")
    rows = rows[order]
    row_of_flow = np.full(n_flows, -1)
    row_of_flow[rows] = np.arange(len(rows))

    X = np.zeros((len(rows), N_CHANNELS, n_packets), dtype=np.float32)
    target_row = row_of_flow[kept_flow]
    placed = (target_row >= 0) & (position < n_packets)
    X[target_row[placed], SIZE, position[placed]] = payload[kept[placed]]
    X[target_row[placed], DIRECTION, position[placed]] = (
        1.0 - 2.0 * direction[kept[placed]]
    )
    X[target_row[placed], IAT, position[placed]] = kept_iat[placed]

    return {
        "X": check_flows(X),
        "rows": rows,
        "n_packets": counts[rows],
        "n_invalid": int((~valid).sum()),
        "n_short": int((valid & ~long_enough).sum()),
        "n_small_class": int((long_enough & ~selected).sum()),
        "dropped_classes": sorted(set(names) - set(large_classes)),
    }


def _report_packets(values, bad, flow_of_packet, starts, rule, where, problems):
    """Report each flow with a bad packet; return the mask of flows without one."""
    ok = np.ones(len(starts), dtype=bool)
    if not bad.any():
        return ok

    bad_packets = np.flatnonzero(bad)
    bad_flows, first = np.unique(flow_of_packet[bad_packets], return_index=True)
    for flow, packet in zip(bad_flows, bad_packets[first]):
        rule_text = rule.format(value=float(values[packet]))
        problems.flow(f"{where(flow)}, packet {packet - starts[flow]}: {rule_text}.")
        ok[flow] = False
    return ok


def _file_rank(source):
    """Rank of each flow's file in (device, file name) order."""
    keys = list(zip(source.devices, source.files))
    rank_of_file = np.empty(len(keys), dtype=np.int64)
    rank_of_file[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
    return rank_of_file[np.asarray(source.file_index, dtype=np.int64)]


def _to_bunch(source, curated, dataset, n_packets):
    rows = curated["rows"]
    file_index = np.asarray(source.file_index, dtype=np.int64)[rows]
    apps = np.asarray(source.apps, dtype=object)[rows]
    flows = pd.DataFrame(
        {
            "flow_id": np.asarray(source.flow_ids, dtype=object)[rows],
            "label": apps,
            "app": apps,
            "file": np.asarray(source.files, dtype=object)[file_index],
            "device": np.asarray(source.devices, dtype=object)[file_index],
            "n_packets": curated["n_packets"],
            "size_definition": "l4_payload",
        }
    )
    curation = {
        "files": len(source.files),
        "flows_read": source.n_read,
        "background": source.n_background,
        "invalid": curated["n_invalid"],
        "too_few_packets": curated["n_short"],
        "small_classes": curated["n_small_class"],
        "dropped_classes": curated["dropped_classes"],
        "kept": len(rows),
    }
    logger.debug("%s curation: %s", dataset, curation)
    return Bunch(
        data=curated["X"],
        target=apps,
        target_names=np.array(sorted(set(apps)), dtype=object),
        flows=flows,
        curation=curation,
        DESCR=_describe(dataset, curation, n_packets),
    )


def _describe(dataset, curation, n_packets):
    dropped = ", ".join(curation["dropped_classes"]) or "none"
    return (
        f"{dataset} mobile app traffic (skaug.datasets)\n"
        f"{'-' * (len(dataset) + 36)}\n\n"
        f"Files: {curation['files']}; flows read: {curation['flows_read']}.\n"
        f"Dropped: {curation['background']} background flows, {curation['invalid']} "
        f"invalid flows, {curation['too_few_packets']} flows with 10 or fewer "
        f"payload packets, {curation['small_classes']} flows of classes with 100 or "
        f"fewer flows (classes: {dropped}).\n"
        f"Kept: {curation['kept']} flows; first {n_packets} payload packets per "
        "flow.\n\n"
        "Sizes are L4 payload bytes (pure ACKs removed). Direction +1 is upload "
        "(packet_dir 0, from the device), -1 download. IATs are in seconds between "
        "payload packets.\n\nReferences:\n" + _REFERENCES + "\n"
    )
