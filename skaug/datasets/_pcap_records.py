"""Packet records of pcap and pcapng files, with exact timestamps and clear errors.

The readers walk the file's records with :mod:`struct` over a memory map and yield
``(number, linktype, time_ns, frame)`` for each captured packet. The packet number
counts from 1, as Wireshark's frame numbers do. ``time_ns`` is the capture time in
integer nanoseconds, exact for microsecond and nanosecond files. ``frame`` is the
captured bytes from the link-layer header on.

Formats follow the libpcap file format and the pcapng draft of the IETF OPSAWG
(draft-ietf-opsawg-pcap and draft-ietf-opsawg-pcapng, https://ietf-opsawg-wg.github.io/).
A pcapng file may hold several sections and several interfaces, each with its own
link type and timestamp resolution (``if_tsresol``) and offset (``if_tsoffset``).
"""

import mmap
import struct
from pathlib import Path

__all__ = ["CaptureError", "TruncatedCaptureError", "iter_records"]

_PCAP_MAGIC = {
    # magic as read little-endian -> (byte order, nanoseconds per fraction unit)
    0xA1B2C3D4: ("<", 1000),
    0xA1B23C4D: ("<", 1),
    0xD4C3B2A1: (">", 1000),
    0x4D3CB2A1: (">", 1),
}
_PCAPNG_SHB = 0x0A0D0D0A
_PCAPNG_BYTE_ORDER = 0x1A2B3C4D
_GZIP_MAGIC = b"\x1f\x8b"

_BLOCK_IDB, _BLOCK_PB, _BLOCK_SPB, _BLOCK_EPB = 1, 2, 3, 6
_OPTION_TSRESOL, _OPTION_TSOFFSET = 9, 14


class CaptureError(ValueError):
    """Error for a file that cannot be read as pcap or pcapng."""


class TruncatedCaptureError(CaptureError):
    """Error for a capture file that ends or breaks inside a record."""


def iter_records(path):
    """Yield the packet records of a pcap or pcapng file.

    Parameters
    ----------
    path : str or os.PathLike
        Capture file.

    Yields
    ------
    number : int
        Packet number, from 1.
    linktype : int
        Link-layer header type of the packet's interface (tcpdump.org LINKTYPE value).
    time_ns : int
        Capture time in nanoseconds since the epoch.
    frame : bytes
        Captured bytes, from the link-layer header on.

    Raises
    ------
    CaptureError
        If the file is neither pcap nor pcapng.
    TruncatedCaptureError
        If the file ends inside a record or a record's length is invalid. Records
        before the broken one have been yielded already.
    """
    path = Path(path)
    with open(path, "rb") as file:
        if path.stat().st_size == 0:
            raise CaptureError(
                f"{str(path)!r} is empty, not a pcap or pcapng file. Check the path."
            )
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as buffer:
            head = buffer[:4]
            if len(head) == 4 and struct.unpack("<I", head)[0] == _PCAPNG_SHB:
                yield from _iter_pcapng(buffer, path)
            else:
                yield from _iter_pcap(buffer, path)


def _truncated_header(path, size):
    return CaptureError(
        f"{str(path)!r} is truncated: it has only {size} bytes, fewer than a capture "
        "file header. Copy the capture again, or let the capturing tool finish "
        "writing it."
    )


def _not_a_capture(path, head):
    hint = (
        "It looks gzip-compressed: decompress it first (gunzip)."
        if head[:2] == _GZIP_MAGIC
        else "Convert it with `editcap -F pcap IN OUT` (Wireshark) if it is another "
        "capture format."
    )
    return CaptureError(
        f"{str(path)!r} is not a pcap or pcapng file: it starts with bytes "
        f"{head.hex()!r}, expected a pcap magic number (a1b2c3d4 or a1b23c4d, either "
        f"byte order) or the pcapng block type 0a0d0d0a. {hint}"
    )


def _truncated(path, number, detail):
    return TruncatedCaptureError(
        f"Cannot read packet {number} of {str(path)!r}: {detail}, so the capture is "
        "truncated or corrupt. Pass on_error='warn' to keep the packets before it."
    )


def _iter_pcap(buffer, path):
    if len(buffer) < 24:
        known = len(buffer) >= 4 and struct.unpack_from("<I", buffer)[0] in _PCAP_MAGIC
        if known:
            raise _truncated_header(path, len(buffer))
        raise _not_a_capture(path, buffer[:4])
    magic = struct.unpack_from("<I", buffer)[0]
    if magic not in _PCAP_MAGIC:
        raise _not_a_capture(path, buffer[:4])
    order, ns_per_unit = _PCAP_MAGIC[magic]

    # The upper 4 bits of the link-type field may carry the FCS length.
    linktype = struct.unpack_from(order + "I", buffer, 20)[0] & 0x0FFFFFFF
    record = struct.Struct(order + "IIII")
    size = len(buffer)
    offset = 24
    number = 0
    while offset < size:
        number += 1
        if offset + 16 > size:
            raise _truncated(
                path,
                number,
                f"the file ends inside its 16-byte record header "
                f"({size - offset} bytes left)",
            )
        seconds, fraction, caplen, _ = record.unpack_from(buffer, offset)
        offset += 16
        if offset + caplen > size:
            raise _truncated(
                path,
                number,
                f"the record announces {caplen} captured bytes but "
                f"only {size - offset} are left",
            )
        time_ns = seconds * 1_000_000_000 + fraction * ns_per_unit
        yield number, linktype, time_ns, buffer[offset : offset + caplen]
        offset += caplen


def _iter_pcapng(buffer, path):
    size = len(buffer)
    offset = 0
    number = 0
    order = "<"
    interfaces = []
    while offset < size:
        if offset + 12 > size:
            raise _truncated(
                path,
                number + 1,
                f"the file ends inside a block header at byte {offset}",
            )
        block_type = struct.unpack_from(order + "I", buffer, offset)[0]
        if block_type == _PCAPNG_SHB:
            order = _section_byte_order(buffer, offset, path)
            interfaces = []
        block_length = struct.unpack_from(order + "I", buffer, offset + 4)[0]
        if block_length < 12 or block_length % 4 or offset + block_length > size:
            raise _truncated(
                path,
                number + 1,
                f"the block at byte {offset} has length "
                f"{block_length} but {size - offset} bytes are left (a block length "
                "is a multiple of 4, at least 12)",
            )
        body = offset + 8
        end = offset + block_length - 4

        if block_type == _BLOCK_IDB:
            interfaces.append(_interface(buffer, body, end, order))
        elif block_type in (_BLOCK_EPB, _BLOCK_PB, _BLOCK_SPB):
            number += 1
            record = _packet_block(buffer, block_type, body, end, order, interfaces)
            if record is None:
                raise _truncated(
                    path,
                    number,
                    f"its block at byte {offset} is shorter than its "
                    "header or names an interface that was not described",
                )
            linktype, time_ns, frame = record
            yield number, linktype, time_ns, frame
        offset += block_length


def _section_byte_order(buffer, offset, path):
    if offset + 12 > len(buffer):
        if buffer[offset : offset + 4] == struct.pack("<I", _PCAPNG_SHB):
            raise _truncated_header(path, len(buffer))
        raise _not_a_capture(path, buffer[offset : offset + 4])
    magic = struct.unpack_from("<I", buffer, offset + 8)[0]
    if magic == _PCAPNG_BYTE_ORDER:
        return "<"
    if magic == struct.unpack(">I", struct.pack("<I", _PCAPNG_BYTE_ORDER))[0]:
        return ">"
    raise CaptureError(
        f"{str(path)!r} has a pcapng section header at byte {offset} with an invalid "
        f"byte-order magic {magic:#010x}; the file is corrupt."
    )


def _interface(buffer, body, end, order):
    linktype, _, snaplen = struct.unpack_from(order + "HHI", buffer, body)
    ticks_per_second = 1_000_000
    offset_seconds = 0
    position = body + 8
    while position + 4 <= end:
        code, length = struct.unpack_from(order + "HH", buffer, position)
        value = position + 4
        if code == 0:
            break
        if code == _OPTION_TSRESOL and length >= 1:
            exponent = buffer[value]
            base = 2 if exponent & 0x80 else 10
            ticks_per_second = base ** (exponent & 0x7F)
        elif code == _OPTION_TSOFFSET and length >= 8:
            offset_seconds = struct.unpack_from(order + "q", buffer, value)[0]
        position = value + (length + 3) // 4 * 4
    return linktype, ticks_per_second, offset_seconds, snaplen


def _packet_block(buffer, block_type, body, end, order, interfaces):
    if block_type == _BLOCK_SPB:
        # A simple packet block has no timestamp and belongs to interface 0.
        if not interfaces or body + 4 > end:
            return None
        linktype, _, _, snaplen = interfaces[0]
        original_length = struct.unpack_from(order + "I", buffer, body)[0]
        caplen = min(original_length, snaplen or original_length, end - body - 4)
        return linktype, None, buffer[body + 4 : body + 4 + caplen]

    if block_type == _BLOCK_EPB:
        if body + 20 > end:
            return None
        interface, high, low, caplen, _ = struct.unpack_from(
            order + "IIIII", buffer, body
        )
        data = body + 20
    else:
        if body + 20 > end:
            return None
        interface, _, high, low, caplen, _ = struct.unpack_from(
            order + "HHIIII", buffer, body
        )
        data = body + 20
    if interface >= len(interfaces) or data + caplen > end:
        return None

    linktype, ticks_per_second, offset_seconds, _ = interfaces[interface]
    ticks = (high << 32) | low
    seconds, remainder = divmod(ticks, ticks_per_second)
    time_ns = (seconds + offset_seconds) * 1_000_000_000
    time_ns += remainder * 1_000_000_000 // ticks_per_second
    return linktype, time_ns, buffer[data : data + caplen]
