"""Loader of the per-flow JSON packet series written by the CertTA framework."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..flows import DEFAULT_N_PACKETS, flows_from_packets

__all__ = ["load_certta"]

# Split files of a CertTA dataset folder, read in this order when present.
_SPLIT_FILES = ("train.json", "valid.json", "test.json")
_REQUIRED_KEYS = ("timestamp", "direction_length", "label")


def load_certta(path, *, n_packets=DEFAULT_N_PACKETS):
    """Load flows from CertTA's per-flow JSON packet series.

    CertTA (Yan et al., USENIX Security 2025) stores each data set as JSON arrays
    with one object per flow. Each object has ``timestamp`` (seconds since the
    flow's first packet), ``direction_length`` (IP packet length in bytes, signed
    by direction), ``label`` (class index) and optional ``packet_num`` and
    ``source_file``. This loader
    converts them to the flow array of :mod:`skaug.flows`:

    - direction: +1 for a positive length (the direction of the flow's first packet)
      and -1 for a negative one;
    - size: the absolute length, which is the IP packet length (headers included),
      not the L4 payload that MIRAGE loaders return;
    - IAT: the differences of consecutive timestamps, 0 for the first packet.

    Parameters
    ----------
    path : str or path-like
        A CertTA data set folder or one of its JSON files. A folder is read through
        whichever of ``train.json``, ``valid.json`` and ``test.json`` it contains
        (or its ``json`` subfolder contains), in this order. Class names come from
        ``labels.json`` (name -> index) in the folder of the JSON files or its
        parent; without it the class indices, as strings, are the names.
    n_packets : int, default=20
        Number of first packets kept per flow; shorter flows are zero-padded.

    Returns
    -------
    data : sklearn.utils.Bunch
        Dictionary-like object with the fields:

        data : ndarray of shape (n_flows, 3, n_packets), dtype float32
            Flows (IP packet sizes in bytes, directions, IATs in seconds).
        target : ndarray of shape (n_flows,), dtype object
            Class name of each flow.
        target_names : ndarray of shape (n_classes,)
            Sorted class names.
        flows : pandas.DataFrame
            One row per flow: ``flow_id`` (index of the flow in its file),
            ``label``, ``n_packets`` (packets in the source flow before truncation),
            ``file`` (JSON file name), ``source_file`` (CertTA's pcap path, empty
            when absent) and ``size_definition`` (``"ip_length"``).
        DESCR : str
            Description of the data and of the conversion.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist or a folder contains no split file.
    ValueError
        If a file is not valid JSON, a flow misses a key, has lists of unequal
        length, a zero length, decreasing timestamps, or a label absent from
        ``labels.json``. The message names the file and flow index.

    References
    ----------
    .. [1] J. Yan, Z. Liu, Y. Xie, S. Liang, L. Liu, K. Xu, "CertTA: Certified
       Robustness Made Practical for Learning-Based Traffic Analysis", 34th USENIX
       Security Symposium, 2025.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from skaug.datasets import load_certta
    >>> flow = {"timestamp": [0.0, 0.02, 0.05], "direction_length": [60, -1400, 52],
    ...         "label": 0, "packet_num": 3}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = pathlib.Path(folder, "test.json").write_text(json.dumps([flow]))
    ...     bunch = load_certta(folder, n_packets=4)
    >>> bunch.data[0].astype(float).round(3).tolist()
    [[60.0, 1400.0, 52.0, 0.0], [1.0, -1.0, 1.0, 0.0], [0.0, 0.02, 0.03, 0.0]]
    >>> bunch.target.tolist()
    ['0']
    """
    files, labels_file = _find_files(path)
    index_to_name = _read_label_names(labels_file)

    series, rows = [], []
    for file in files:
        for flow_index, flow in enumerate(_read_flows(file)):
            sizes, directions, iats = _convert_flow(flow, file, flow_index)
            series.append((sizes, directions, iats))
            rows.append(
                {
                    "flow_id": flow_index,
                    "label": _class_name(
                        flow["label"], index_to_name, file, flow_index
                    ),
                    "n_packets": len(sizes),
                    "file": file.name,
                    "source_file": str(flow.get("source_file", "")),
                    "size_definition": "ip_length",
                }
            )

    sizes = [flow_sizes for flow_sizes, _, _ in series]
    directions = [flow_directions for _, flow_directions, _ in series]
    iats = [flow_iats for _, _, flow_iats in series]
    X = flows_from_packets(sizes, directions, iats, n_packets=n_packets)
    flows = pd.DataFrame(rows, columns=_COLUMNS)
    target = flows["label"].to_numpy(dtype=object)
    return Bunch(
        data=X,
        target=target,
        target_names=np.array(sorted(set(target)), dtype=object),
        flows=flows,
        DESCR=_describe(files, len(flows), n_packets),
    )


_COLUMNS = ["flow_id", "label", "n_packets", "file", "source_file", "size_definition"]


def _find_files(path):
    """Return the JSON files to read and the labels.json file (or None)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"CertTA path {str(path)!r} not found. Pass a CertTA data set folder "
            "(with test.json, valid.json or train.json) or one of its JSON files."
        )

    if path.is_file():
        files = [path]
    else:
        folder = path
        if not any((folder / name).is_file() for name in _SPLIT_FILES):
            folder = path / "json"
        files = [folder / name for name in _SPLIT_FILES if (folder / name).is_file()]
        if not files:
            raise FileNotFoundError(
                f"CertTA folder {str(path)!r} contains none of {list(_SPLIT_FILES)} "
                "(nor does its json subfolder). Pass the folder that contains them, or "
                "the path of one JSON file."
            )

    json_folder = files[0].parent
    for candidate in (json_folder / "labels.json", json_folder.parent / "labels.json"):
        if candidate.is_file() and candidate not in files:
            return files, candidate
    return files, None


def _load_json(file):
    try:
        with open(file, "rb") as stream:
            return json.load(stream)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{file} is not valid JSON ({exc}). The file may be truncated: download "
            "or copy it again."
        ) from None


def _read_label_names(labels_file):
    """Map class index -> class name from CertTA's labels.json (name -> index)."""
    if labels_file is None:
        return None

    names = _load_json(labels_file)
    if not isinstance(names, dict) or not all(
        isinstance(index, int) and not isinstance(index, bool)
        for index in names.values()
    ):
        raise ValueError(
            f"{labels_file} must map class names to integer indices, like "
            '{"Audio": 0, "Video": 1}. Fix the file or remove it to use the '
            "indices as class names."
        )
    return {index: str(name) for name, index in names.items()}


def _read_flows(file):
    flows = _load_json(file)
    if not isinstance(flows, list):
        raise ValueError(
            f"{file} must contain a JSON array of flow objects, got a "
            f"{type(flows).__name__}. Pass a CertTA split file such as test.json."
        )
    return flows


def _convert_flow(flow, file, flow_index):
    """Convert one CertTA flow object to sizes, directions and IATs."""
    where = f"{file}, flow {flow_index}"
    if not isinstance(flow, dict):
        raise ValueError(
            f"{where}: expected a JSON object, got {type(flow).__name__}. Each "
            "element of the array must be one flow."
        )
    missing = [key for key in _REQUIRED_KEYS if key not in flow]
    if missing:
        raise ValueError(
            f"{where}: missing key(s) {missing}; a CertTA flow needs "
            f"{list(_REQUIRED_KEYS)}. Regenerate the file with CertTA's preprocessing."
        )

    try:
        times = np.asarray(flow["timestamp"], dtype=np.float64)
        signed = np.asarray(flow["direction_length"], dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{where}: 'timestamp' and 'direction_length' must be lists of numbers. "
            "Fix or drop this flow."
        ) from None
    if times.ndim != 1 or signed.ndim != 1 or len(times) != len(signed):
        raise ValueError(
            f"{where}: 'timestamp' and 'direction_length' must be lists of equal "
            f"length, got shapes {times.shape} and {signed.shape}. Fix or drop this "
            "flow."
        )
    _check_packets(flow, times, signed, where)

    directions = np.where(signed > 0, 1.0, -1.0)
    if directions[0] < 0:
        # The flow array's +1 is the initiator's direction: the first packet's.
        directions = -directions
    iats = np.diff(times, prepend=times[0])
    return np.abs(signed), directions, iats


def _check_packets(flow, times, signed, where):
    if len(times) == 0:
        raise ValueError(f"{where}: the flow has no packets. Drop this flow.")
    if "packet_num" in flow and flow["packet_num"] != len(times):
        raise ValueError(
            f"{where}: 'packet_num' is {flow['packet_num']!r} but the lists hold "
            f"{len(times)} packets. Fix or drop this flow."
        )
    if not (np.isfinite(times).all() and np.isfinite(signed).all()):
        raise ValueError(f"{where}: NaN or infinite values. Fix or drop this flow.")
    if (signed == 0).any():
        packet = int(np.flatnonzero(signed == 0)[0])
        raise ValueError(
            f"{where}, packet {packet}: 'direction_length' is 0, so the direction "
            "is unknown. Fix or drop this flow."
        )
    if (np.diff(times) < 0).any():
        packet = int(np.flatnonzero(np.diff(times) < 0)[0]) + 1
        raise ValueError(
            f"{where}, packet {packet}: timestamp {times[packet]!r} is earlier than "
            f"the previous one ({times[packet - 1]!r}), which gives a negative IAT. "
            "Sort the packets by time or drop this flow."
        )


def _class_name(label, index_to_name, file, flow_index):
    if index_to_name is None:
        return str(label)
    if label not in index_to_name:
        raise ValueError(
            f"{file}, flow {flow_index}: label {label!r} is not an index of "
            f"labels.json ({sorted(index_to_name)}). Fix the label or labels.json."
        )
    return index_to_name[label]


def _describe(files, n_flows, n_packets):
    names = ", ".join(file.name for file in files)
    return (
        "CertTA per-flow packet series (skaug.datasets.load_certta)\n"
        "----------------------------------------------------------\n\n"
        f"Files: {names}; flows: {n_flows}; packets per flow kept: {n_packets}.\n\n"
        "Sizes are IP packet lengths in bytes (IP and transport headers included), "
        "as CertTA records them, not L4 payload sizes. Direction +1 is the direction "
        "of the flow's first packet. IATs are the differences of CertTA's relative "
        "timestamps, in seconds.\n\n"
        "Reference: J. Yan, Z. Liu, Y. Xie, S. Liang, L. Liu, K. Xu, 'CertTA: "
        "Certified Robustness Made Practical for Learning-Based Traffic Analysis', "
        "34th USENIX Security Symposium, 2025.\n"
    )
