"""Tests of read_pcap on small captures written with dpkt and by hand."""

import gzip
import struct

import dpkt
import numpy as np
import pytest

from skaug.datasets import read_pcap
from skaug.datasets._pcap import CaptureWarning
from skaug.flows import DIRECTION, IAT, SIZE, check_flows

CLIENT, SERVER = bytes([10, 0, 0, 1]), bytes([93, 184, 216, 34])
CLIENT6 = bytes.fromhex("20010db8000000000000000000000001")
SERVER6 = bytes.fromhex("20010db8000000000000000000000002")
MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def tcp_packet(src, dst, sport, dport, payload=b"", flags=dpkt.tcp.TH_ACK):
    tcp = dpkt.tcp.TCP(sport=sport, dport=dport, flags=flags, data=payload)
    return bytes(dpkt.ip.IP(src=src, dst=dst, p=dpkt.ip.IP_PROTO_TCP, data=tcp))


def udp_packet(src, dst, sport, dport, payload=b""):
    udp = dpkt.udp.UDP(sport=sport, dport=dport, data=payload)
    return bytes(dpkt.ip.IP(src=src, dst=dst, p=dpkt.ip.IP_PROTO_UDP, data=udp))


def udp6_packet(src, dst, sport, dport, payload=b"", hop_by_hop=False):
    udp = bytes(dpkt.udp.UDP(sport=sport, dport=dport, data=payload))
    next_header, extension = dpkt.ip.IP_PROTO_UDP, b""
    if hop_by_hop:
        # next header UDP, length 0 (8 bytes), PadN option filling 6 bytes
        extension = bytes([dpkt.ip.IP_PROTO_UDP, 0, 1, 4, 0, 0, 0, 0])
        next_header = 0
    header = struct.pack(
        "!IHBB16s16s", 6 << 28, len(extension) + len(udp), next_header, 64, src, dst
    )
    return header + extension + udp


def ethernet(ip_packet, ethertype=0x0800, tags=()):
    frame = MAC_B + MAC_A
    for tpid, vlan in tags:
        frame += struct.pack("!HH", tpid, vlan)
    return frame + struct.pack("!H", ethertype) + ip_packet


def linux_sll(ip_packet, ethertype=0x0800):
    return struct.pack("!HHH8sH", 0, 1, 6, MAC_A + b"\0\0", ethertype) + ip_packet


def linux_sll2(ip_packet, ethertype=0x0800):
    return struct.pack("!HHIHBB8s", ethertype, 0, 2, 1, 0, 6, MAC_A + b"\0\0") + (
        ip_packet
    )


def write_pcap(path, frames, linktype=dpkt.pcap.DLT_EN10MB, nano=False):
    """Write (time, frame) pairs with dpkt's pcap writer."""
    with open(path, "wb") as file:
        writer = dpkt.pcap.Writer(file, linktype=linktype, nano=nano)
        for time, frame in frames:
            writer.writepkt(frame, ts=time)
    return path


def write_big_endian_pcap(path, frames, linktype):
    """Write a big-endian microsecond pcap by hand (dpkt writes native order)."""
    data = struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)
    for (seconds, microseconds), frame in frames:
        data += struct.pack(">IIII", seconds, microseconds, len(frame), len(frame))
        data += frame
    path.write_bytes(data)
    return path


def conversation():
    """A TCP exchange: handshake, request, response, acknowledgement."""
    request, response = b"GET / HTTP/1.1\r\n\r\n", b"x" * 1200
    syn, ack = dpkt.tcp.TH_SYN, dpkt.tcp.TH_ACK
    return [
        (100.0, tcp_packet(CLIENT, SERVER, 40000, 80, flags=syn)),
        (100.25, tcp_packet(SERVER, CLIENT, 80, 40000, flags=syn | ack)),
        (100.5, tcp_packet(CLIENT, SERVER, 40000, 80)),
        (100.5, tcp_packet(CLIENT, SERVER, 40000, 80, request)),
        (101.0, tcp_packet(SERVER, CLIENT, 80, 40000, response)),
        (101.125, tcp_packet(CLIENT, SERVER, 40000, 80)),
    ]


EXPECTED_SIZES = [0, 0, 0, 18, 1200, 0]
EXPECTED_DIRECTIONS = [1, -1, 1, 1, -1, 1]
EXPECTED_IATS = [0.0, 0.25, 0.25, 0.0, 0.5, 0.125]


def test_ethernet_tcp_flow_series(tmp_path):
    frames = [(time, ethernet(packet)) for time, packet in conversation()]
    capture = read_pcap(write_pcap(tmp_path / "web.pcap", frames), n_packets=8)

    assert capture.data.shape == (1, 3, 8)
    flow = capture.data[0]
    assert flow[SIZE, :6].tolist() == EXPECTED_SIZES
    assert flow[DIRECTION, :6].tolist() == EXPECTED_DIRECTIONS
    np.testing.assert_allclose(flow[IAT, :6], EXPECTED_IATS, atol=1e-6)
    assert not flow[:, 6:].any()
    row = capture.flows.iloc[0]
    assert row.flow_id == "10.0.0.1,40000,93.184.216.34,80,6"
    assert (row.src_ip, row.src_port, row.dst_port, row.proto) == (
        "10.0.0.1",
        40000,
        80,
        6,
    )
    assert row.n_packets == 6
    assert row.first_time == pytest.approx(100.0)
    assert row.label == "web"
    assert capture.target.tolist() == ["web"]
    assert capture.target_names.tolist() == ["web"]


def test_ip_size_adds_headers(tmp_path):
    frames = [(time, ethernet(packet)) for time, packet in conversation()]
    capture = read_pcap(write_pcap(tmp_path / "web.pcap", frames), size="ip")
    # IPv4 header 20 bytes + TCP header 20 bytes (dpkt writes no options)
    expected = [size + 40 for size in EXPECTED_SIZES]
    assert capture.data[0, SIZE, :6].tolist() == expected


def test_truncates_but_counts_all_packets(tmp_path):
    frames = [(time, ethernet(packet)) for time, packet in conversation()]
    capture = read_pcap(write_pcap(tmp_path / "web.pcap", frames), n_packets=3)
    assert capture.data.shape == (1, 3, 3)
    assert capture.data[0, DIRECTION].tolist() == [1, -1, 1]
    assert capture.flows.n_packets[0] == 6


@pytest.mark.parametrize(
    "tags",
    [[(0x8100, 42)], [(0x88A8, 100), (0x8100, 42)], [(0x9100, 7), (0x8100, 8)]],
    ids=["802.1Q", "QinQ", "legacy-QinQ"],
)
def test_vlan_tags(tmp_path, tags):
    frames = [(time, ethernet(packet, tags=tags)) for time, packet in conversation()]
    capture = read_pcap(write_pcap(tmp_path / "vlan.pcap", frames))
    assert len(capture.flows) == 1
    assert capture.data[0, SIZE, :6].tolist() == EXPECTED_SIZES


def test_pppoe_session(tmp_path):
    frames = []
    for time, packet in conversation():
        pppoe = struct.pack("!BBHHH", 0x11, 0, 1, len(packet) + 2, 0x0021) + packet
        frames.append((time, ethernet(pppoe, ethertype=0x8864)))
    capture = read_pcap(write_pcap(tmp_path / "pppoe.pcap", frames))
    assert capture.data[0, SIZE, :6].tolist() == EXPECTED_SIZES


@pytest.mark.parametrize("hop_by_hop", [False, True])
def test_ipv6_udp(tmp_path, hop_by_hop):
    frames = [
        (
            5.0,
            ethernet(
                udp6_packet(CLIENT6, SERVER6, 5353, 53, b"q" * 30, hop_by_hop),
                ethertype=0x86DD,
            ),
        ),
        (
            5.5,
            ethernet(
                udp6_packet(SERVER6, CLIENT6, 53, 5353, b"r" * 90, hop_by_hop),
                ethertype=0x86DD,
            ),
        ),
    ]
    capture = read_pcap(write_pcap(tmp_path / "dns6.pcap", frames), size="payload")
    assert capture.flows.flow_id[0] == "2001:db8::1,5353,2001:db8::2,53,17"
    assert capture.data[0, SIZE, :2].tolist() == [30, 90]
    assert capture.data[0, DIRECTION, :2].tolist() == [1, -1]
    ip_capture = read_pcap(tmp_path / "dns6.pcap", size="ip")
    extension = 8 if hop_by_hop else 0
    assert ip_capture.data[0, SIZE, :2].tolist() == [
        40 + extension + 8 + 30,
        40 + extension + 8 + 90,
    ]


@pytest.mark.parametrize("linktype", [101, 12, 14])
def test_raw_ip(tmp_path, linktype):
    frames = [(time, packet) for time, packet in conversation()]
    capture = read_pcap(write_pcap(tmp_path / "raw.pcap", frames, linktype=linktype))
    assert capture.data[0, SIZE, :6].tolist() == EXPECTED_SIZES
    assert capture.data[0, DIRECTION, :6].tolist() == EXPECTED_DIRECTIONS


@pytest.mark.parametrize(
    ("linktype", "wrap"), [(113, linux_sll), (276, linux_sll2)], ids=["SLL", "SLL2"]
)
def test_linux_cooked(tmp_path, linktype, wrap):
    frames = [(time, wrap(packet)) for time, packet in conversation()]
    frames.append((102.0, wrap(b"\x00" * 28, ethertype=0x0806)))  # ARP
    capture = read_pcap(write_pcap(tmp_path / "sll.pcap", frames, linktype=linktype))
    assert capture.data[0, SIZE, :6].tolist() == EXPECTED_SIZES
    assert "1 x non-IP frame" in capture.DESCR


def test_pcapng(tmp_path):
    path = tmp_path / "web.pcapng"
    with open(path, "wb") as file:
        writer = dpkt.pcapng.Writer(file)
        for time, packet in conversation():
            writer.writepkt(ethernet(packet), ts=time)
    capture = read_pcap(path)
    assert capture.data[0, SIZE, :6].tolist() == EXPECTED_SIZES
    np.testing.assert_allclose(capture.data[0, IAT, :6], EXPECTED_IATS, atol=1e-6)


def test_nanosecond_and_big_endian_timestamps(tmp_path):
    frames = [(time, ethernet(packet)) for time, packet in conversation()]
    nano = read_pcap(write_pcap(tmp_path / "nano.pcap", frames, nano=True))
    np.testing.assert_allclose(nano.data[0, IAT, :6], EXPECTED_IATS, atol=1e-6)

    big = [
        ((7, 0), ethernet(udp_packet(CLIENT, SERVER, 1, 2, b"ab"))),
        ((7, 1), ethernet(udp_packet(SERVER, CLIENT, 2, 1, b"abc"))),
    ]
    capture = read_pcap(write_big_endian_pcap(tmp_path / "big.pcap", big, 1))
    assert capture.data[0, SIZE, :2].tolist() == [2, 3]
    assert capture.data[0, IAT, 1] == pytest.approx(1e-6)


def test_skips_non_flow_packets(tmp_path):
    icmp = bytes(
        dpkt.ip.IP(
            src=CLIENT,
            dst=SERVER,
            p=dpkt.ip.IP_PROTO_ICMP,
            data=dpkt.icmp.ICMP(type=8, data=b"ping"),
        )
    )
    first_fragment = dpkt.ip.IP(udp_packet(CLIENT, SERVER, 9, 10, b"a" * 64))
    first_fragment.mf = 1
    later_fragment = dpkt.ip.IP(udp_packet(CLIENT, SERVER, 9, 10, b"b" * 64))
    later_fragment.offset = 8  # 64 bytes, in units of 8 bytes
    frames = [
        (1.0, ethernet(b"\x00" * 28, ethertype=0x0806)),
        (1.1, ethernet(icmp)),
        (1.2, ethernet(bytes(first_fragment))),
        (1.3, ethernet(bytes(later_fragment))),
        (1.4, ethernet(udp_packet(CLIENT, SERVER, 9, 10, b"c")[:22])),
    ]
    capture = read_pcap(write_pcap(tmp_path / "mixed.pcap", frames))
    assert len(capture.flows) == 1
    assert capture.flows.n_packets[0] == 1
    assert capture.data[0, SIZE, 0] == 64
    for reason in (
        "1 x non-IP frame",
        "1 x IP packet that is neither TCP nor UDP",
        "1 x IP fragment after the first",
        "1 x header cut by the snapshot length",
    ):
        assert reason in capture.DESCR


def test_backward_timestamp_gives_zero_iat(tmp_path):
    frames = [
        (10.0, ethernet(udp_packet(CLIENT, SERVER, 1, 2, b"a"))),
        (9.5, ethernet(udp_packet(SERVER, CLIENT, 2, 1, b"b"))),
    ]
    capture = read_pcap(write_pcap(tmp_path / "clock.pcap", frames))
    assert capture.data[0, IAT, :2].tolist() == [0.0, 0.0]


def test_separate_flows_and_files(tmp_path):
    first = write_pcap(
        tmp_path / "a.pcap",
        [
            (1.0, ethernet(udp_packet(CLIENT, SERVER, 1, 2, b"a"))),
            (1.5, ethernet(udp_packet(CLIENT, SERVER, 3, 2, b"bb"))),
            (2.0, ethernet(tcp_packet(CLIENT, SERVER, 1, 2, b"ccc"))),
        ],
    )
    second = write_pcap(
        tmp_path / "b.pcap",
        [
            (1.0, ethernet(udp_packet(CLIENT, SERVER, 1, 2, b"a"))),
        ],
    )
    capture = read_pcap([first, second])
    assert capture.flows.label.tolist() == ["a", "a", "a", "b"]
    assert capture.flows.proto.tolist() == [17, 17, 6, 17]
    assert capture.target_names.tolist() == ["a", "b"]
    check_flows(capture.data)


def test_labels_mapping_and_callable(tmp_path):
    path = write_pcap(
        tmp_path / "two.pcap",
        [
            (1.0, ethernet(udp_packet(CLIENT, SERVER, 1, 2, b"a"))),
            (1.5, ethernet(udp_packet(CLIENT, SERVER, 3, 4, b"bb"))),
            (2.0, ethernet(udp_packet(CLIENT, SERVER, 5, 6, b"ccc"))),
        ],
    )
    labels = {
        "93.184.216.34,2,10.0.0.1,1,17": "dns",  # reverse direction of the flow
        ("10.0.0.1", 3, "93.184.216.34", 4, 17): "quic",
    }
    capture = read_pcap(path, labels=labels)
    assert capture.target.tolist() == ["dns", "quic"]
    assert capture.data[:, SIZE, 0].tolist() == [1, 2]

    by_port = read_pcap(path, labels=lambda key: f"port-{key[3]}")
    assert by_port.target.tolist() == ["port-2", "port-4", "port-6"]


def test_invalid_label_key(tmp_path):
    path = write_pcap(
        tmp_path / "one.pcap", [(1.0, ethernet(udp_packet(CLIENT, SERVER, 1, 2, b"a")))]
    )
    with pytest.raises(ValueError, match="not a flow id"):
        read_pcap(path, labels={"10.0.0.1,1": "x"})


def test_truncated_capture(tmp_path):
    frames = [(time, ethernet(packet)) for time, packet in conversation()]
    path = write_pcap(tmp_path / "cut.pcap", frames)
    path.write_bytes(path.read_bytes()[:-10])

    with pytest.raises(ValueError, match=r"packet 6 of .*cut\.pcap.*on_error='warn'"):
        read_pcap(path)
    with pytest.warns(CaptureWarning, match="1 x truncated capture cut.pcap"):
        capture = read_pcap(path, on_error="warn")
    assert capture.flows.n_packets[0] == 5


def test_truncated_record_header(tmp_path):
    frames = [(time, ethernet(packet)) for time, packet in conversation()]
    path = write_pcap(tmp_path / "cut.pcap", frames)
    path.write_bytes(path.read_bytes() + b"\x00" * 7)
    with pytest.raises(ValueError, match="packet 7 .* 16-byte record header"):
        read_pcap(path)


def test_unknown_linktype(tmp_path):
    path = write_pcap(tmp_path / "wifi.pcap", [(1.0, b"\x00" * 40)], linktype=105)
    with pytest.raises(ValueError, match="packet 1 of .*link type 105"):
        read_pcap(path)
    with pytest.warns(CaptureWarning, match="unsupported link type 105"):
        capture = read_pcap(path, on_error="warn")
    assert capture.data.shape == (0, 3, 20)


def test_not_a_capture(tmp_path):
    text = tmp_path / "notes.pcap"
    text.write_text("hello, not a capture")
    with pytest.raises(ValueError, match="notes.pcap.*not a pcap or pcapng"):
        read_pcap(text)

    frames = [(time, ethernet(packet)) for time, packet in conversation()]
    packed = tmp_path / "web.pcap.gz"
    packed.write_bytes(
        gzip.compress(write_pcap(tmp_path / "w.pcap", frames).read_bytes())
    )
    with pytest.raises(ValueError, match="gzip"):
        read_pcap(packed)

    empty = tmp_path / "empty.pcap"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        read_pcap(empty)
    with pytest.warns(CaptureWarning, match="not a capture"):
        assert len(read_pcap([text, empty], on_error="warn").flows) == 0


def test_corrupt_pcapng_block(tmp_path):
    path = tmp_path / "web.pcapng"
    with open(path, "wb") as file:
        writer = dpkt.pcapng.Writer(file)
        for time, packet in conversation():
            writer.writepkt(ethernet(packet), ts=time)
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(ValueError, match="packet 6 of .*web.pcapng"):
        read_pcap(path)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_packets": 0}, ValueError, "n_packets must be >= 1"),
        ({"n_packets": 2.5}, TypeError, "n_packets must be an int"),
        ({"size": "frame"}, ValueError, "size must be 'payload'"),
        ({"on_error": "ignore"}, ValueError, "on_error must be"),
        ({"labels": 3}, TypeError, "labels must be"),
    ],
)
def test_invalid_parameters(tmp_path, kwargs, error, match):
    path = write_pcap(
        tmp_path / "one.pcap", [(1.0, ethernet(udp_packet(CLIENT, SERVER, 1, 2, b"a")))]
    )
    with pytest.raises(error, match=match):
        read_pcap(path, **kwargs)


def test_invalid_path_type():
    with pytest.raises(TypeError, match="path must be"):
        read_pcap(42)


def test_truncated_pcap_header_reported(tmp_path):
    path = tmp_path / "short.pcap"
    path.write_bytes(struct.pack("<IHH", 0xA1B2C3D4, 2, 4))
    with pytest.raises(ValueError, match="is truncated: it has only"):
        read_pcap(path)
