"""Flow augmentations, usable as imbalanced-learn samplers and online in training."""

from ._amplitude import Jitter
from ._base import BaseAugmenter
from ._masking import RandomMask
from ._sequence import PacketLoss

__all__ = ["BaseAugmenter", "Jitter", "PacketLoss", "RandomMask"]
