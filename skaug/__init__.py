"""skaug: data augmentation for network traffic classification.

The public names below are imported on first use, so ``import skaug`` stays fast and
does not load torch until :class:`FlowCNN` is needed.
"""

import importlib

__version__ = "0.1.0"

_AUGMENTATIONS = [
    "Jitter",
    "Scaling",
    "MagnitudeWarp",
    "SpikeNoise",
    "RTTScaling",
    "RandomMask",
    "WindowMask",
    "ChannelMask",
    "Translation",
    "HorizontalFlip",
    "Permutation",
    "WindowSlice",
    "WindowWarp",
    "TimeWarp",
    "PacketLoss",
    "Retransmission",
    "Interpolation",
    "CutMix",
    "Stack",
    "RandomChoice",
]
_DATASETS = [
    "load_certta",
    "make_flows",
    "load_mirage19",
    "load_mirage22",
    "fetch_mirage19",
    "read_pcap",
    "load_ndpi_captures",
    "read_tcbench_parquet",
    "from_datazoo_arrays",
    "from_nfstream_splt",
]
_SUBPACKAGE_BY_NAME = {
    **dict.fromkeys(_AUGMENTATIONS, "augment"),
    **dict.fromkeys(_DATASETS, "datasets"),
    "AUGMENTATIONS": "augment",
    "BaseAugmenter": "augment",
    "FlowCNN": "models",
    "critical_difference": "evaluation",
    "plot_critical_difference": "evaluation",
    "CriticalDifferenceResult": "evaluation",
}

__all__ = sorted(_SUBPACKAGE_BY_NAME)


def __getattr__(name):
    if name not in _SUBPACKAGE_BY_NAME:
        raise AttributeError(f"module 'skaug' has no attribute {name!r}")
    module = importlib.import_module(f"skaug.{_SUBPACKAGE_BY_NAME[name]}")
    return getattr(module, name)


def __dir__():
    return sorted([*globals(), *__all__])
