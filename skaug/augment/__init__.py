"""Flow augmentations, usable as imbalanced-learn samplers and online in training.

``AUGMENTATIONS`` maps the name of every single augmentation to its class, in the
order of the catalogue: amplitude, masking, sequence order, then mixing.
"""

from ._amplitude import Jitter, MagnitudeWarp, RTTScaling, Scaling, SpikeNoise
from ._base import BaseAugmenter
from ._compose import RandomChoice, Stack
from ._masking import ChannelMask, RandomMask, WindowMask
from ._mixing import CutMix, Interpolation
from ._order import HorizontalFlip, PacketLoss, Permutation, Retransmission, Translation
from ._warping import TimeWarp, WindowSlice, WindowWarp

AUGMENTATIONS = {
    augmentation.__name__: augmentation
    for augmentation in (
        Jitter,
        Scaling,
        MagnitudeWarp,
        SpikeNoise,
        RTTScaling,
        RandomMask,
        WindowMask,
        ChannelMask,
        Translation,
        HorizontalFlip,
        Permutation,
        WindowSlice,
        WindowWarp,
        TimeWarp,
        PacketLoss,
        Retransmission,
        Interpolation,
        CutMix,
    )
}

__all__ = [
    "AUGMENTATIONS",
    "BaseAugmenter",
    "ChannelMask",
    "CutMix",
    "HorizontalFlip",
    "Interpolation",
    "Jitter",
    "MagnitudeWarp",
    "PacketLoss",
    "Permutation",
    "RTTScaling",
    "RandomChoice",
    "RandomMask",
    "Retransmission",
    "Scaling",
    "SpikeNoise",
    "Stack",
    "TimeWarp",
    "Translation",
    "WindowMask",
    "WindowSlice",
    "WindowWarp",
]
