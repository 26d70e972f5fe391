"""Load captures labelled by nDPI's ``ndpiReader`` output, such as nDPI's test corpus.

nDPI (ntop's open-source deep packet inspection library) ships its regression
captures together with the expected ``ndpiReader`` output, one text line per flow.
This loader reads the captures with :func:`~skaug.datasets.read_pcap` and labels
each flow with nDPI's verdict.
"""

import logging
import numbers
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..flows import DEFAULT_N_PACKETS
from ._pcap import (
    _build_bunch,
    _check_parameters,
    _pack_ip,
    _read_flows,
    _unordered_key,
    _warn_problems,
)

__all__ = ["load_ndpi_captures", "parse_ndpi_result"]

logger = logging.getLogger(__name__)

_CAPTURE_SUFFIXES = (".pcap", ".pcapng")
_ENDPOINT = r"(\[[0-9A-Fa-f:.]+\]|[0-9.]+):(\d+)"
_FLOW_LINE = re.compile(
    r"^\s*\d+\s+(TCP|UDP)\s+" + _ENDPOINT + r"\s+(?:<->|->)\s+" + _ENDPOINT + r"\s"
)
_PROTO = re.compile(r"\[proto: (?:[\w-]+:)?([\d.]+)/([^\]]+)\]")
_CATEGORY = re.compile(r"\[cat: ([^/\]]+)/\d+\]")
_PACKETS = re.compile(r"\[(\d+) pkts/\d+ bytes (?:<->|->) (\d+) pkts/\d+ bytes\]")
_PROTO_NUMBER = {"TCP": 6, "UDP": 17}


def parse_ndpi_result(path):
    """Parse the per-flow lines of an ``ndpiReader`` output file.

    Parameters
    ----------
    path : str or os.PathLike
        Text output of ``ndpiReader`` (as in nDPI's ``tests/cfgs/*/result/*.out``).

    Returns
    -------
    flows : pandas.DataFrame
        One row per TCP/UDP flow line: ``client_ip``, ``client_port``,
        ``server_ip``, ``server_port``, ``proto`` (6 or 17), ``ndpi_proto``
        (``Master.App`` or ``Master``), ``app`` (the part after the dot, or the
        master when there is no app), ``category`` (``"Unknown"`` for undetected
        flows, which have none), ``ndpi_packets_c2s`` and ``ndpi_packets_s2c``.

    Notes
    -----
    The line format is the one of nDPI 4.x (checked against the test results of
    nDPI commit 3b1286a, October 2024): protocol, ``client:port <-> server:port``
    (``->`` when one-way, IPv6 in brackets), ``[proto: <id>/<name>]`` (for tunnels
    prefixed, e.g. ``GTP:189/Zoom``), ``[cat: <Category>/<id>]`` and
    ``[N pkts/B bytes <-> N pkts/B bytes]``. ICMP, IGMP and other non-TCP/UDP lines
    are ignored.
    """
    rows = []
    with open(path, encoding="utf-8", errors="replace") as file:
        for number, line in enumerate(file, start=1):
            match = _FLOW_LINE.match(line)
            if match is None:
                continue
            rows.append(_parse_flow_line(path, number, line, match))
    return pd.DataFrame(
        rows,
        columns=[
            "client_ip",
            "client_port",
            "server_ip",
            "server_port",
            "proto",
            "ndpi_proto",
            "app",
            "category",
            "ndpi_packets_c2s",
            "ndpi_packets_s2c",
        ],
    )


def _parse_flow_line(path, number, line, match):
    proto, client_ip, client_port, server_ip, server_port = match.groups()
    proto_match = _PROTO.search(line)
    packets_match = _PACKETS.search(line)
    if proto_match is None or packets_match is None:
        raise ValueError(
            f"Line {number} of {str(path)!r} is a flow line without a "
            "'[proto: id/name]' or '[N pkts/B bytes <-> N pkts/B bytes]' field, so "
            "it is not ndpiReader's per-flow format. Pass the .out file written by "
            "`ndpiReader -i CAPTURE -v 2`."
        )
    ids, name = proto_match.groups()
    app = name.split(".", 1)[1] if "." in ids and "." in name else name
    category_match = _CATEGORY.search(line)
    category = category_match.group(1) if category_match else "Unknown"
    return (
        client_ip.strip("[]"),
        int(client_port),
        server_ip.strip("[]"),
        int(server_port),
        _PROTO_NUMBER[proto],
        name,
        app,
        category,
        int(packets_match.group(1)),
        int(packets_match.group(2)),
    )


def load_ndpi_captures(
    folder,
    *,
    n_packets=DEFAULT_N_PACKETS,
    min_flows=10,
    min_packets=10,
    label="app",
    size="payload",
    on_error="raise",
    return_X_y=False,
):
    """Load app-labelled flows from captures and nDPI's verdicts on them.

    The folder contains ``pcap/<capture>`` files (``.pcap`` or ``.pcapng``) and, for
    each, ``ndpi_result/<capture>.out``, the output of ``ndpiReader`` on it. Every
    TCP/UDP flow of a capture (see :func:`~skaug.datasets.read_pcap`) is joined to
    nDPI's line of the same unordered 5-tuple and labelled with nDPI's verdict.

    Parameters
    ----------
    folder : str or os.PathLike
        Folder with the ``pcap`` and ``ndpi_result`` subfolders.
    n_packets : int, default=20
        Number of first packets kept per flow.
    min_flows : int, default=10
        Keep only labels with at least this many flows (after ``min_packets``).
    min_packets : int, default=10
        Keep only flows with at least this many packets in the capture. Ten
        packets leave a classifier of the first 20 packets a meaningful series,
        and in nDPI's corpus most shorter flows are DNS, LLMNR or SSDP lookups.
    label : {"app", "category"}, default="app"
        Label: nDPI's application (``App`` of ``Master.App``, or ``Master`` when
        nDPI found no application, e.g. plain ``TLS``) or nDPI's category
        (``Video``, ``Chat``, ...).
    size : {"payload", "ip"}, default="payload"
        Packet size kept, as in :func:`~skaug.datasets.read_pcap`.
    on_error : {"raise", "warn"}, default="raise"
        What to do with an unreadable capture or a capture without its ``.out``
        file: raise a ``ValueError``, or skip it with a warning.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data``, ``target``, ``target_names`` and ``DESCR`` as in
        :func:`~skaug.datasets.read_pcap`. ``flows`` adds to its columns
        ``capture``, ``ndpi_proto``, ``app``, ``category``, ``ndpi_packets_c2s``
        and ``ndpi_packets_s2c`` (nDPI's packet counts client to server and back).
    (data, target) : tuple
        If ``return_X_y`` is True.

    Notes
    -----
    Flows with no nDPI line of their 5-tuple are dropped (their count is logged at
    info level). In nDPI's corpus of 104 application captures this is 1 of 2,143
    flows: the GTP-U tunnel of ``zoom.pcap``, which nDPI reports by its inner
    5-tuple while :func:`~skaug.datasets.read_pcap` keys it by the outer one.
    When nDPI's idle timeout split one 5-tuple into several lines, the packet
    counts are summed and the line with most packets gives the label. nDPI's
    labels are its DPI verdicts (host names, payload patterns, IP lists), not a
    human-checked ground truth.

    References
    ----------
    L. Deri, M. Martinelli, T. Bujlow and A. Cardigliano, "nDPI: Open-source
    high-speed deep packet inspection", in Proc. International Wireless
    Communications and Mobile Computing Conference (IWCMC), IEEE, 2014,
    pp. 617-622.
    """
    folder = Path(folder)
    _check_parameters(n_packets, None, size, on_error)
    _check_loader_parameters(min_flows, min_packets, label)
    captures = _find_captures(folder)

    tables = []
    verdicts = []
    problems = Counter()
    for capture in captures:
        result = folder / "ndpi_result" / f"{capture.name}.out"
        if not result.is_file():
            if on_error == "raise":
                raise ValueError(
                    f"Capture {str(capture)!r} has no nDPI result file "
                    f"{str(result)!r}. "
                    f"Write it with `ndpiReader -i {capture.name} -v 2 > "
                    f"{result.name}`, or pass on_error='warn' to skip the capture."
                )
            problems[f"capture without nDPI result: {capture.name}"] += 1
            continue
        table, file_problems = _read_flows(capture, n_packets, size, on_error)
        problems.update(file_problems)
        tables.append(table)
        verdicts.append(parse_ndpi_result(result))

    _warn_problems(problems, "load_ndpi_captures")
    bunch = _build_bunch(tables, n_packets, None, size, problems)
    bunch = _label(bunch, tables, verdicts, label)
    bunch = _select(bunch, min_flows, min_packets)
    if return_X_y:
        return bunch.data, bunch.target
    return bunch


def _check_loader_parameters(min_flows, min_packets, label):
    for name, value in (("min_flows", min_flows), ("min_packets", min_packets)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {value!r}.")
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}. Pass 1 to keep all.")
    if label not in ("app", "category"):
        raise ValueError(
            f"label must be 'app' (nDPI application) or 'category' (nDPI category), "
            f"got {label!r}."
        )


def _find_captures(folder):
    pcap_folder = folder / "pcap"
    if not pcap_folder.is_dir():
        raise ValueError(
            f"{str(folder)!r} has no 'pcap' subfolder. Pass the folder that contains "
            "pcap/ (the captures) and ndpi_result/ (ndpiReader's .out files)."
        )
    captures = sorted(
        path for path in pcap_folder.iterdir() if path.suffix in _CAPTURE_SUFFIXES
    )
    if not captures:
        raise ValueError(f"{str(pcap_folder)!r} contains no .pcap or .pcapng file.")
    return captures


def _label(bunch, tables, verdicts, label):
    """Join each flow to nDPI's verdict and drop the flows without one."""
    columns = {name: [] for name in ("ndpi_proto", "app", "category")}
    columns["ndpi_packets_c2s"] = []
    columns["ndpi_packets_s2c"] = []
    captures = []
    for (path, _, _), verdict in zip(tables, verdicts):
        by_key = _index_verdicts(verdict)
        flows = bunch.flows[bunch.flows.file == str(path)]
        for row in zip(
            flows.src_ip, flows.src_port, flows.dst_ip, flows.dst_port, flows.proto
        ):
            found = by_key.get(_unordered_key(row))
            for name in ("ndpi_proto", "app", "category"):
                columns[name].append(None if found is None else found[name])
            c2s, s2c = (None, None) if found is None else _counts_from(found, row)
            columns["ndpi_packets_c2s"].append(c2s)
            columns["ndpi_packets_s2c"].append(s2c)
            captures.append(path.name)

    flows = bunch.flows.assign(capture=captures, **columns)
    joined = flows.ndpi_proto.notna().to_numpy()
    logger.info("Joined %d of %d flows to nDPI's verdicts", joined.sum(), len(joined))
    flows = flows[joined].reset_index(drop=True)
    flows["label"] = flows[label]
    flows = flows.astype({"ndpi_packets_c2s": "int64", "ndpi_packets_s2c": "int64"})
    target = flows["label"].to_numpy(dtype=object)
    return Bunch(
        data=bunch.data[joined],
        target=target,
        target_names=np.unique(target),
        flows=flows,
        DESCR=bunch.DESCR + f"\nLabels: nDPI's {label}; {joined.sum()} of "
        f"{len(joined)} flows joined to an nDPI flow line.",
    )


def _index_verdicts(verdict):
    by_key = {}
    for row in verdict.itertuples(index=False):
        line = row._asdict()
        for key in _verdict_keys(line):
            previous = by_key.get(key)
            by_key[key] = line if previous is None else _merge_lines(previous, line)
    return by_key


def _verdict_keys(line):
    """Yield the unordered 5-tuple keys an nDPI flow line may stand for."""
    for client in _ndpi_addresses(line["client_ip"]):
        for server in _ndpi_addresses(line["server_ip"]):
            endpoints = sorted(
                ((client, line["client_port"]), (server, line["server_port"]))
            )
            yield (line["proto"], *endpoints)


def _ndpi_addresses(text):
    """Return the packed IP addresses an address printed by ndpiReader may be.

    ndpiReader can print an IPv6 address with several ``::`` (the results of nDPI
    commit 3b1286a show 2600:1901:0:7a0b:: as ``2600:1901::7a0b::``), which is
    ambiguous. Each ``::`` then stands for one or more zero groups, and all
    readings are returned.
    """
    try:
        return [_pack_ip(text)]
    except OSError:
        pass
    parts = text.split("::")
    if len(parts) < 3:
        raise ValueError(f"nDPI flow line has an invalid IP address {text!r}.")
    groups = [part.split(":") if part else [] for part in parts]
    zero_groups = 8 - sum(len(group) for group in groups)
    readings = []
    for runs in _compositions(zero_groups, len(parts) - 1):
        expanded = list(groups[0])
        for run, group in zip(runs, groups[1:]):
            expanded += ["0"] * run + group
        readings.append(_pack_ip(":".join(expanded)))
    return readings


def _compositions(total, n_parts):
    """Yield the ways to write ``total`` as an ordered sum of ``n_parts`` ints >= 1."""
    if n_parts == 1:
        if total >= 1:
            yield (total,)
        return
    for first in range(1, total - n_parts + 2):
        for rest in _compositions(total - first, n_parts - 1):
            yield (first, *rest)


def _merge_lines(previous, line):
    """Merge two nDPI lines of one 5-tuple, split by nDPI's idle timeout.

    The counts are summed in the first line's orientation and the line with more
    packets gives the label.
    """
    same = (previous["client_ip"], previous["client_port"]) == (
        line["client_ip"],
        line["client_port"],
    )
    c2s, s2c = line["ndpi_packets_c2s"], line["ndpi_packets_s2c"]
    if not same:
        c2s, s2c = s2c, c2s
    previous_total = previous["ndpi_packets_c2s"] + previous["ndpi_packets_s2c"]
    merged = dict(line if c2s + s2c > previous_total else previous)
    merged.update(
        client_ip=previous["client_ip"],
        client_port=previous["client_port"],
        server_ip=previous["server_ip"],
        server_port=previous["server_port"],
        ndpi_packets_c2s=previous["ndpi_packets_c2s"] + c2s,
        ndpi_packets_s2c=previous["ndpi_packets_s2c"] + s2c,
    )
    return merged


def _counts_from(line, row):
    """Return nDPI's packet counts from the flow's first sender and back."""
    src_ip, src_port = row[0], row[1]
    same_ip = _pack_ip(src_ip) in _ndpi_addresses(line["client_ip"])
    if same_ip and line["client_port"] == src_port:
        return line["ndpi_packets_c2s"], line["ndpi_packets_s2c"]
    return line["ndpi_packets_s2c"], line["ndpi_packets_c2s"]


def _select(bunch, min_flows, min_packets):
    flows = bunch.flows
    long_enough = (flows.n_packets >= min_packets).to_numpy()
    counts = Counter(flows.label[long_enough])
    frequent = {label for label, count in counts.items() if count >= min_flows}
    keep = long_enough & flows.label.isin(frequent).to_numpy()
    logger.info(
        "Kept %d flows of >= %d packets in %d labels with >= %d flows each",
        keep.sum(),
        min_packets,
        len(frequent),
        min_flows,
    )
    flows = flows[keep].reset_index(drop=True)
    target = flows["label"].to_numpy(dtype=object)
    return Bunch(
        data=bunch.data[keep],
        target=target,
        target_names=np.unique(target),
        flows=flows,
        DESCR=bunch.DESCR + f"\nKept {keep.sum()} flows of at least {min_packets} "
        f"packets, in the {len(frequent)} labels with at least {min_flows} flows.",
    )
