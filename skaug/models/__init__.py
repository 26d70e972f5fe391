"""The flow classifier: a residual 1-D CNN trained with online augmentation."""

from ._classifier import FlowCNN
from ._network import FlowResNet
from ._sampler import (
    class_sample_weights,
    make_batch_loader,
    make_class_weighted_sampler,
)

__all__ = [
    "FlowCNN",
    "FlowResNet",
    "class_sample_weights",
    "make_batch_loader",
    "make_class_weighted_sampler",
]
