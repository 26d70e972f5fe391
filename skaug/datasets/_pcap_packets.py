"""Link-layer, IP and TCP/UDP header parsing of captured frames.

:func:`parse_frame` reads only the header fields a flow needs, with byte indexing
and :mod:`struct`, and returns either the packet's 5-tuple with its sizes or the
reason the packet belongs to no TCP/UDP flow.
"""

import struct

__all__ = ["LINKTYPES", "SKIP_REASONS", "parse_frame"]

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

#: Supported link types (tcpdump.org LINKTYPE values) and their names. 12 and 14
#: are the platform DLT_RAW values that some writers store instead of 101.
LINKTYPES = {
    LINKTYPE_ETHERNET: "Ethernet",
    LINKTYPE_RAW: "raw IP",
    12: "raw IP",
    14: "raw IP",
    LINKTYPE_LINUX_SLL: "Linux cooked capture (SLL)",
    LINKTYPE_LINUX_SLL2: "Linux cooked capture v2 (SLL2)",
}

ETHERTYPE_IPV4, ETHERTYPE_IPV6 = 0x0800, 0x86DD
_ETHERTYPE_VLAN = (0x8100, 0x88A8, 0x9100)
_ETHERTYPE_PPPOE_SESSION = 0x8864
_PPP_IPV4, _PPP_IPV6 = 0x0021, 0x0057

PROTO_TCP, PROTO_UDP = 6, 17
_IPV6_EXTENSION_HEADERS = (0, 43, 60)  # hop-by-hop, routing, destination options
_IPV6_FRAGMENT, _IPV6_AUTHENTICATION = 44, 51

# Reasons a frame is skipped, as returned by parse_frame.
NOT_IP, NOT_TCP_UDP, LATER_FRAGMENT, TRUNCATED_HEADER, BAD_HEADER = range(5)
SKIP_REASONS = (
    "non-IP frame",
    "IP packet that is neither TCP nor UDP (ICMP, IGMP, ESP, ...)",
    "IP fragment after the first",
    "header cut by the snapshot length",
    "invalid IP or TCP header",
)

_PORTS = struct.Struct("!HH")


def parse_frame(frame, linktype):
    """Parse one captured frame down to its TCP or UDP header.

    Parameters
    ----------
    frame : bytes
        Captured bytes from the link-layer header on.
    linktype : int
        A key of :data:`LINKTYPES`.

    Returns
    -------
    packet : tuple or int
        ``(proto, src, src_port, dst, dst_port, payload_size, ip_size)`` with the IP
        addresses as packed bytes (4 or 16) and sizes in bytes, or, for a frame that
        carries no TCP/UDP header, the index of its reason in :data:`SKIP_REASONS`.
    """
    ethertype, offset = _network_layer(frame, linktype)
    if ethertype == ETHERTYPE_IPV4:
        return _parse_ipv4(frame, offset)
    if ethertype == ETHERTYPE_IPV6:
        return _parse_ipv6(frame, offset)
    return ethertype


def _network_layer(frame, linktype):
    """Return ``(ethertype, offset)`` of the IP header, or ``(reason, 0)``."""
    if linktype == LINKTYPE_ETHERNET:
        offset = 12
    elif linktype == LINKTYPE_LINUX_SLL:
        offset = 14
    elif linktype == LINKTYPE_LINUX_SLL2:
        offset = 0
    else:  # raw IP: the version nibble distinguishes IPv4 from IPv6
        if not frame:
            return TRUNCATED_HEADER, 0
        version = frame[0] >> 4
        if version == 4:
            return ETHERTYPE_IPV4, 0
        if version == 6:
            return ETHERTYPE_IPV6, 0
        return NOT_IP, 0

    if len(frame) < offset + 2:
        return TRUNCATED_HEADER, 0
    ethertype = (frame[offset] << 8) | frame[offset + 1]
    offset = 20 if linktype == LINKTYPE_LINUX_SLL2 else offset + 2

    # 802.1Q, 802.1ad (QinQ) and legacy 0x9100 tags, any number of them.
    while ethertype in _ETHERTYPE_VLAN:
        if len(frame) < offset + 4:
            return TRUNCATED_HEADER, 0
        ethertype = (frame[offset + 2] << 8) | frame[offset + 3]
        offset += 4

    if ethertype == _ETHERTYPE_PPPOE_SESSION:
        if len(frame) < offset + 8:
            return TRUNCATED_HEADER, 0
        ppp_protocol = (frame[offset + 6] << 8) | frame[offset + 7]
        offset += 8
        ethertype = {_PPP_IPV4: ETHERTYPE_IPV4, _PPP_IPV6: ETHERTYPE_IPV6}.get(
            ppp_protocol, NOT_IP
        )
        return ethertype, offset
    if ethertype in (ETHERTYPE_IPV4, ETHERTYPE_IPV6):
        return ethertype, offset
    return NOT_IP, 0


def _parse_ipv4(frame, offset):
    if len(frame) < offset + 20:
        return TRUNCATED_HEADER
    version_ihl = frame[offset]
    header_length = (version_ihl & 0x0F) * 4
    if version_ihl >> 4 != 4 or header_length < 20:
        return BAD_HEADER
    proto = frame[offset + 9]
    if proto != PROTO_TCP and proto != PROTO_UDP:
        return NOT_TCP_UDP
    if ((frame[offset + 6] & 0x1F) << 8) | frame[offset + 7]:
        return LATER_FRAGMENT

    # NOTE: a total length of 0 (TCP segmentation offload on the capturing host)
    # falls back to the captured length, which the snapshot length may cut.
    ip_size = (frame[offset + 2] << 8) | frame[offset + 3]
    if ip_size == 0:
        ip_size = len(frame) - offset
    src = frame[offset + 12 : offset + 16]
    dst = frame[offset + 16 : offset + 20]
    return _parse_transport(
        frame, offset + header_length, proto, src, dst, ip_size, ip_size - header_length
    )


def _parse_ipv6(frame, offset):
    if len(frame) < offset + 40:
        return TRUNCATED_HEADER
    if frame[offset] >> 4 != 6:
        return BAD_HEADER
    payload_length = (frame[offset + 4] << 8) | frame[offset + 5]
    if payload_length == 0:  # jumbogram or offload: use what was captured
        payload_length = len(frame) - offset - 40
    next_header = frame[offset + 6]
    src = frame[offset + 8 : offset + 24]
    dst = frame[offset + 24 : offset + 40]
    ip_size = payload_length + 40

    position = offset + 40
    remaining = payload_length
    while next_header != PROTO_TCP and next_header != PROTO_UDP:
        if len(frame) < position + 8:
            return TRUNCATED_HEADER
        if next_header in _IPV6_EXTENSION_HEADERS:
            length = (frame[position + 1] + 1) * 8
        elif next_header == _IPV6_FRAGMENT:
            if ((frame[position + 2] << 8) | frame[position + 3]) & 0xFFF8:
                return LATER_FRAGMENT
            length = 8
        elif next_header == _IPV6_AUTHENTICATION:
            length = (frame[position + 1] + 2) * 4
        else:
            return NOT_TCP_UDP
        next_header = frame[position]
        position += length
        remaining -= length
    return _parse_transport(frame, position, next_header, src, dst, ip_size, remaining)


def _parse_transport(frame, offset, proto, src, dst, ip_size, transport_size):
    if len(frame) < offset + 4:
        return TRUNCATED_HEADER
    src_port, dst_port = _PORTS.unpack_from(frame, offset)
    if proto == PROTO_TCP:
        if len(frame) < offset + 13:
            return TRUNCATED_HEADER
        header_length = (frame[offset + 12] >> 4) * 4
        if header_length < 20:
            return BAD_HEADER
    else:
        header_length = 8
    payload_size = transport_size - header_length
    if payload_size < 0:
        return BAD_HEADER
    return proto, src, src_port, dst, dst_port, payload_size, ip_size
