"""Loaders that turn real and synthetic traffic into flow arrays.

Every loader converts its source's conventions to the flow array of
:mod:`skaug.flows` at the edge. Names are imported on first use, so reading a CSV of
flows never imports the pcap parser.
"""

import importlib

_MODULE_BY_NAME = {
    "load_certta": "_certta",
    "make_flows": "_synthetic",
    "load_mirage19": "_mirage",
    "load_mirage22": "_mirage",
    "mirage_split": "_mirage",
    "DataWarning": "_mirage",
    "fetch_mirage19": "_fetch",
    "get_data_home": "_fetch",
    "read_pcap": "_pcap",
    "load_ndpi_captures": "_ndpi",
    "parse_ndpi_result": "_ndpi",
    "CaptureWarning": "_pcap",
    "read_tcbench_parquet": "_peers",
    "from_datazoo_arrays": "_peers",
    "from_nfstream_splt": "_peers",
}

__all__ = sorted(_MODULE_BY_NAME)


def __getattr__(name):
    if name not in _MODULE_BY_NAME:
        raise AttributeError(f"module 'skaug.datasets' has no attribute {name!r}")
    module = importlib.import_module(f"skaug.datasets.{_MODULE_BY_NAME[name]}")
    return getattr(module, name)


def __dir__():
    return sorted([*globals(), *__all__])
