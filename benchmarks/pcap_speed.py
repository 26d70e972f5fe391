"""Measure how fast captures are parsed into TCP/UDP packets, three ways.

Usage::

    python benchmarks/pcap_speed.py CAPTURE_OR_FOLDER [...] [--repeat 5]

Each way reads every file, parses each frame down to its 5-tuple and payload size,
and counts the TCP/UDP packets:

- ``skaug``: skaug's own record reader and header parser (what ``read_pcap`` uses);
- ``dpkt-readers``: dpkt's ``pcap.UniversalReader`` records with skaug's header
  parser;
- ``dpkt-decode``: dpkt's readers and full ``dpkt.ethernet.Ethernet`` /
  ``dpkt.ip.IP`` / ``dpkt.sll`` object decoding.

The best of ``--repeat`` runs is printed per way, in packets per second over all
records in the files (TCP/UDP or not). ``read_pcap`` itself, flow grouping
included, is timed last.
"""

import argparse
import platform
import time
from pathlib import Path

import dpkt

from skaug.datasets import read_pcap
from skaug.datasets._pcap_packets import LINKTYPES, parse_frame
from skaug.datasets._pcap_records import iter_records


def _skaug(paths):
    records = tcp_udp = 0
    for path in paths:
        for _, linktype, _, frame in iter_records(path):
            records += 1
            if (
                linktype in LINKTYPES
                and parse_frame(frame, linktype).__class__ is tuple
            ):
                tcp_udp += 1
    return records, tcp_udp


def _dpkt_readers(paths):
    records = tcp_udp = 0
    for path in paths:
        with open(path, "rb") as file:
            reader = dpkt.pcap.UniversalReader(file)
            linktype = reader.datalink()
            for _, frame in reader:
                records += 1
                if parse_frame(frame, linktype).__class__ is tuple:
                    tcp_udp += 1
    return records, tcp_udp


def _dpkt_decode(paths):
    records = tcp_udp = 0
    for path in paths:
        with open(path, "rb") as file:
            reader = dpkt.pcap.UniversalReader(file)
            linktype = reader.datalink()
            for _, frame in reader:
                records += 1
                if linktype == dpkt.pcap.DLT_EN10MB:
                    packet = dpkt.ethernet.Ethernet(frame).data
                elif linktype == dpkt.pcap.DLT_LINUX_SLL:
                    packet = dpkt.sll.SLL(frame).data
                else:
                    version = frame[0] >> 4 if frame else 0
                    packet = (dpkt.ip.IP if version == 4 else dpkt.ip6.IP6)(frame)
                if isinstance(packet, (dpkt.ip.IP, dpkt.ip6.IP6)) and isinstance(
                    packet.data, (dpkt.tcp.TCP, dpkt.udp.UDP)
                ):
                    _ = (packet.src, packet.dst, packet.data.sport, packet.data.dport)
                    _ = len(packet.data.data)
                    tcp_udp += 1
    return records, tcp_udp


def _best_time(function, paths, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        counts = function(paths)
        best = min(best, time.perf_counter() - start)
    return best, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="capture files or folders")
    parser.add_argument("--repeat", type=int, default=5, help="runs per way (best)")
    args = parser.parse_args()

    paths = []
    for path in args.paths:
        if path.is_dir():
            paths.extend(sorted(p for p in path.iterdir() if p.is_file()))
        else:
            paths.append(path)
    megabytes = sum(path.stat().st_size for path in paths) / 1e6

    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu n/a'}, "
        f"Python {platform.python_version()}, dpkt {dpkt.__version__}"
    )
    print(f"{len(paths)} files, {megabytes:.1f} MB")
    for name, function in (
        ("skaug", _skaug),
        ("dpkt-readers", _dpkt_readers),
        ("dpkt-decode", _dpkt_decode),
    ):
        seconds, (records, tcp_udp) = _best_time(function, paths, args.repeat)
        print(
            f"{name:>13}: {records} records ({tcp_udp} TCP/UDP) in {seconds:.3f} s, "
            f"{records / seconds / 1e6:.2f} million packets/s"
        )

    seconds, _ = _best_time(lambda p: (read_pcap(p), (0, 0))[1], paths, args.repeat)
    print(
        f"{'read_pcap':>13}: {seconds:.3f} s with flow grouping, "
        f"{records / seconds / 1e6:.2f} million packets/s"
    )


if __name__ == "__main__":
    main()
