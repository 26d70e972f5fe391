"""Read bidirectional TCP/UDP flows from pcap and pcapng captures.

Parser choice: the records are walked with :mod:`struct` over a memory map
(:mod:`skaug.datasets._pcap_records`) and only the header fields a flow needs are
decoded (:mod:`skaug.datasets._pcap_packets`). On the 104 nDPI test captures
(20.6 MB, 50,536 packets), ``python benchmarks/pcap_speed.py FOLDER --repeat 3``
measured, best of 3 runs on a shared 2-core Intel Xeon virtual machine with
Python 3.11.7 and dpkt 1.9.8:

- this reader and header parser: 0.59 million packets per second;
- dpkt's ``pcap.UniversalReader`` with the same header parser: 0.34 million
  packets per second;
- dpkt's readers with full ``dpkt.ethernet.Ethernet``/``dpkt.ip.IP`` decoding:
  0.11 million packets per second;
- ``read_pcap`` as a whole, flow grouping included: 0.38 million packets per
  second.

The own record reader is also more exact than dpkt's readers. It honours every
pcapng interface, whereas dpkt's reader applies the first interface's link type and
timestamp resolution to all packets. It keeps nanosecond timestamps exact as
integers, and it reports a truncated record with its packet number instead of
returning a short frame.
"""

import logging
import numbers
import os
import socket
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..flows import DEFAULT_N_PACKETS, DIRECTION, IAT, N_CHANNELS, SIZE, check_flows
from ._pcap_packets import LINKTYPES, SKIP_REASONS, parse_frame
from ._pcap_records import CaptureError, TruncatedCaptureError, iter_records

__all__ = ["CaptureWarning", "read_pcap"]

logger = logging.getLogger(__name__)

_FLOW_COLUMNS = [
    "flow_id",
    "src_ip",
    "src_port",
    "dst_ip",
    "dst_port",
    "proto",
    "n_packets",
    "first_time",
    "file",
    "label",
]


class CaptureWarning(UserWarning):
    """Warn that part of a capture could not be read and was left out."""


def read_pcap(
    path, *, n_packets=DEFAULT_N_PACKETS, labels=None, size="payload", on_error="raise"
):
    """Read the bidirectional TCP/UDP flows of pcap or pcapng captures.

    Packets are grouped by their unordered 5-tuple (IP addresses, ports, protocol)
    within each file, without timeout splitting, so a flow is every packet between
    two sockets in the capture.

    Parameters
    ----------
    path : str, os.PathLike or sequence of them
        One capture file or several. Flows are never merged across files.
    n_packets : int, default=20
        Number of first packets kept per flow; shorter flows are zero-padded.
    labels : mapping, callable or None, default=None
        Label of each flow. A mapping takes a flow id string
        ``"src_ip,src_port,dst_ip,dst_port,proto"`` or a 5-tuple
        ``(src_ip, src_port, dst_ip, dst_port, proto)`` in either direction to a
        label. A callable receives the 5-tuple as seen from the flow's first packet
        and returns a label or None. Flows without a label are dropped (their count
        is logged). ``None`` labels every flow with its file name without suffix,
        the usual layout when each capture records one application.
    size : {"payload", "ip"}, default="payload"
        Packet size kept: the TCP/UDP payload bytes or the whole IP packet
        (header included), both taken from the IP header's length field.
    on_error : {"raise", "warn"}, default="raise"
        What to do with a file that is not a capture, is truncated or has an
        unsupported link type. ``"raise"`` raises a ``ValueError`` naming the file
        and the packet. ``"warn"`` keeps what was read, skips the rest and emits
        one :class:`CaptureWarning` with the counts.

    Returns
    -------
    data : sklearn.utils.Bunch
        With fields

        data : ndarray of shape (n_flows, 3, n_packets), dtype float32
            Flows in the convention of :mod:`skaug.flows`: direction +1 for packets
            sent like the flow's first packet, -1 for the reverse; IAT in seconds
            from the capture timestamps.
        target : ndarray of shape (n_flows,), dtype object
            Label of each flow.
        target_names : ndarray
            Sorted unique labels.
        flows : pandas.DataFrame
            One row per flow, in the order of ``data``: ``flow_id``, ``src_ip``,
            ``src_port``, ``dst_ip``, ``dst_port``, ``proto`` (6 TCP, 17 UDP) as
            seen from the first packet, ``n_packets`` (all packets of the flow, not
            truncated), ``first_time`` (epoch seconds), ``file`` and ``label``.
        DESCR : str
            What was read and what was skipped.

    Raises
    ------
    ValueError
        If a parameter is invalid or, with ``on_error="raise"``, a file cannot be
        read.

    Notes
    -----
    Supported link types: Ethernet (1), raw IP (101, and 12 or 14 as some writers
    store it), Linux cooked capture SLL (113) and SLL2 (276), with any number of
    802.1Q/802.1ad VLAN tags and PPPoE sessions on Ethernet. Frames that carry no
    TCP/UDP header are skipped and counted (logged at debug level): non-IP frames,
    ICMP and other IP protocols, IP fragments after the first, and headers cut by
    the snapshot length. Tunnels (GTP-U, IP-in-IP, VXLAN) are not opened: a flow is
    keyed by the outer headers. Pure TCP acknowledgements are kept as packets of
    payload size 0. A timestamp that goes back in time within a flow gives an IAT
    of 0.

    Examples
    --------
    >>> import dpkt, os, tempfile
    >>> from skaug.datasets import read_pcap
    >>> udp = dpkt.udp.UDP(sport=5000, dport=53, data=b"query")
    >>> ip = dpkt.ip.IP(src=bytes([10, 0, 0, 1]), dst=bytes([10, 0, 0, 2]),
    ...                 p=dpkt.ip.IP_PROTO_UDP, data=udp)
    >>> path = os.path.join(tempfile.mkdtemp(), "dns.pcap")
    >>> with open(path, "wb") as file:
    ...     writer = dpkt.pcap.Writer(file, linktype=dpkt.pcap.DLT_RAW)
    ...     writer.writepkt(bytes(ip), ts=1.0)
    >>> capture = read_pcap(path, n_packets=4)
    >>> capture.flows.flow_id[0]
    '10.0.0.1,5000,10.0.0.2,53,17'
    >>> capture.data[0].tolist()
    [[5.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """
    paths = _check_paths(path)
    _check_parameters(n_packets, labels, size, on_error)

    tables = []
    problems = Counter()
    for file in paths:
        table, file_problems = _read_flows(file, n_packets, size, on_error)
        tables.append(table)
        problems.update(file_problems)

    _warn_problems(problems, "read_pcap")
    return _build_bunch(tables, n_packets, labels, size, problems)


def _warn_problems(problems, caller):
    if not problems:
        return
    summary = "; ".join(f"{count} x {what}" for what, count in problems.items())
    warnings.warn(
        f"{caller} left out unreadable parts of the captures: {summary}. Pass "
        "on_error='raise' to see the first problem with its packet number.",
        CaptureWarning,
        stacklevel=3,
    )


def _check_paths(path):
    if isinstance(path, (str, os.PathLike)):
        return [Path(path)]
    if isinstance(path, (list, tuple)) and all(
        isinstance(item, (str, os.PathLike)) for item in path
    ):
        return [Path(item) for item in path]
    raise TypeError(
        "path must be a str or os.PathLike, or a list of them, got "
        f"{type(path).__name__}: {path!r}."
    )


def _check_parameters(n_packets, labels, size, on_error):
    if not isinstance(n_packets, numbers.Integral) or isinstance(n_packets, bool):
        raise TypeError(f"n_packets must be an int, got {n_packets!r}.")
    if n_packets < 1:
        raise ValueError(
            f"n_packets must be >= 1, got {n_packets}. Pass the number of first "
            "packets to keep per flow, e.g. 20."
        )
    if labels is not None and not isinstance(labels, (Mapping, Callable)):
        raise TypeError(
            "labels must be a mapping from flow id to label, a callable or None, got "
            f"{type(labels).__name__}."
        )
    if size not in ("payload", "ip"):
        raise ValueError(
            f"size must be 'payload' (TCP/UDP payload bytes) or 'ip' (IP packet "
            f"bytes), got {size!r}."
        )
    if on_error not in ("raise", "warn"):
        raise ValueError(f"on_error must be 'raise' or 'warn', got {on_error!r}.")


def _read_flows(path, n_packets, size, on_error):
    """Group one file's packets into flows, and count what could not be read."""
    flows = {}
    skipped = Counter()
    problems = Counter()
    keep_ip_size = size == "ip"
    packets = 0

    records = iter_records(path)
    while True:
        try:
            number, linktype, time_ns, frame = next(records)
        except StopIteration:
            break
        except TruncatedCaptureError:
            if on_error == "raise":
                raise
            problems[f"truncated capture {path.name}"] += 1
            logger.debug("Stopped reading truncated capture %s", path, exc_info=True)
            break
        except CaptureError:
            if on_error == "raise":
                raise
            problems[f"not a capture: {path.name}"] += 1
            break

        packets += 1
        if linktype not in LINKTYPES:
            if on_error == "raise":
                raise _unsupported_linktype(path, number, linktype)
            problems[f"packet of unsupported link type {linktype} in {path.name}"] += 1
            continue
        if time_ns is None:
            skipped["packet without timestamp (pcapng simple packet block)"] += 1
            continue

        packet = parse_frame(frame, linktype)
        if packet.__class__ is int:
            skipped[SKIP_REASONS[packet]] += 1
            continue
        proto, src, src_port, dst, dst_port, payload_size, ip_size = packet
        _add_packet(
            flows,
            n_packets,
            proto,
            src,
            src_port,
            dst,
            dst_port,
            ip_size if keep_ip_size else payload_size,
            time_ns,
        )

    if skipped:
        logger.debug(
            "%s: read %d packets, skipped %s",
            path,
            packets,
            ", ".join(f"{count} x {reason}" for reason, count in skipped.items()),
        )
    return (path, flows, skipped), problems


def _add_packet(flows, n_packets, proto, src, src_port, dst, dst_port, size, time_ns):
    forward = (src, src_port)
    backward = (dst, dst_port)
    key = (
        (proto, forward, backward)
        if forward <= backward
        else (proto, backward, forward)
    )
    flow = flows.get(key)
    if flow is None:
        # [endpoint of the first packet, packet count, first time, last time,
        #  sizes, directions, IATs]
        flows[key] = [forward, 1, time_ns, time_ns, [size], [1], [0.0]]
        return

    flow[1] += 1
    if flow[1] > n_packets:
        return
    iat = (time_ns - flow[3]) / 1e9
    flow[3] = time_ns
    flow[4].append(size)
    flow[5].append(1 if forward == flow[0] else -1)
    flow[6].append(iat if iat > 0 else 0.0)


def _unsupported_linktype(path, number, linktype):
    supported = ", ".join(f"{value} ({name})" for value, name in LINKTYPES.items())
    return CaptureError(
        f"Cannot read packet {number} of {str(path)!r}: its link type {linktype} "
        f"(see https://www.tcpdump.org/linktypes.html) is not supported; supported "
        f"are {supported}. Pass on_error='warn' to skip the packets of that link "
        "type, or export the capture with an Ethernet or raw-IP link layer."
    )


def _ip_string(packed):
    family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, packed)


def _build_bunch(tables, n_packets, labels, size, problems):
    rows = []
    series = []
    skipped = Counter()
    for path, flows, file_skipped in tables:
        skipped.update(file_skipped)
        for (proto, first, second), flow in flows.items():
            src, src_port = flow[0]
            dst, dst_port = second if first == flow[0] else first
            src_ip, dst_ip = _ip_string(src), _ip_string(dst)
            rows.append(
                (
                    f"{src_ip},{src_port},{dst_ip},{dst_port},{proto}",
                    src_ip,
                    src_port,
                    dst_ip,
                    dst_port,
                    proto,
                    flow[1],
                    flow[2] / 1e9,
                    str(path),
                    path.stem,
                )
            )
            series.append(flow[4:])

    frame = pd.DataFrame(rows, columns=_FLOW_COLUMNS)
    frame = frame.astype(
        {
            "src_port": "int64",
            "dst_port": "int64",
            "proto": "int64",
            "n_packets": "int64",
            "first_time": "float64",
        }
    )
    if labels is not None:
        frame["label"] = _lookup_labels(frame, labels)
        keep = frame["label"].notna().to_numpy()
        if not keep.all():
            logger.info("Dropped %d flows that have no label in labels", (~keep).sum())
        frame = frame[keep].reset_index(drop=True)
        series = [item for item, kept in zip(series, keep) if kept]

    X = np.zeros((len(series), N_CHANNELS, n_packets), dtype=np.float32)
    for i, (sizes, directions, iats) in enumerate(series):
        X[i, SIZE, : len(sizes)] = sizes
        X[i, DIRECTION, : len(sizes)] = directions
        X[i, IAT, : len(sizes)] = iats
    X = check_flows(X)

    target = frame["label"].astype(str).to_numpy(dtype=object)
    return Bunch(
        data=X,
        target=target,
        target_names=np.unique(target),
        flows=frame,
        DESCR=_describe(tables, len(frame), n_packets, size, skipped, problems),
    )


def _lookup_labels(frame, labels):
    if isinstance(labels, Mapping):
        by_key = {}
        for key, label in labels.items():
            by_key[_unordered_key(key)] = label
        keys = zip(
            frame.src_ip, frame.src_port, frame.dst_ip, frame.dst_port, frame.proto
        )
        return [by_key.get(_unordered_key(key)) for key in keys]
    return [
        labels(key)
        for key in zip(
            frame.src_ip, frame.src_port, frame.dst_ip, frame.dst_port, frame.proto
        )
    ]


def _unordered_key(key):
    """Normalise a flow id string or 5-tuple to a direction-free key."""
    if isinstance(key, str):
        parts = key.split(",")
        if len(parts) != 5:
            raise ValueError(
                f"labels key {key!r} is not a flow id "
                "'src_ip,src_port,dst_ip,dst_port,proto'."
            )
        key = parts
    if len(key) != 5:
        raise ValueError(
            f"labels key {key!r} is not a 5-tuple (src_ip, src_port, dst_ip, "
            "dst_port, proto)."
        )
    src_ip, src_port, dst_ip, dst_port, proto = key
    try:
        first = (_pack_ip(str(src_ip)), int(src_port))
        second = (_pack_ip(str(dst_ip)), int(dst_port))
        proto = int(proto)
    except (OSError, ValueError):
        raise ValueError(
            f"labels key {key!r} has an invalid IP address, port or protocol number."
        ) from None
    return (proto, *sorted((first, second)))


def _pack_ip(text):
    family = socket.AF_INET6 if ":" in text else socket.AF_INET
    return socket.inet_pton(family, text.strip("[]"))


def _describe(tables, n_flows, n_packets, size, skipped, problems):
    files = ", ".join(path.name for path, _, _ in tables[:5])
    if len(tables) > 5:
        files += f" and {len(tables) - 5} more"
    lines = [
        f"Bidirectional TCP/UDP flows read from {len(tables)} capture(s): {files}.",
        f"{n_flows} flows, first {n_packets} packets each; sizes are "
        f"{'IP packet' if size == 'ip' else 'TCP/UDP payload'} bytes.",
    ]
    if skipped:
        lines.append(
            "Skipped packets: "
            + ", ".join(f"{count} x {reason}" for reason, count in skipped.items())
            + "."
        )
    if problems:
        lines.append(
            "Unreadable parts: "
            + ", ".join(f"{count} x {what}" for what, count in problems.items())
            + "."
        )
    return "\n".join(lines)
