"""The residual 1-D CNN over packet series."""

import torch
from torch import nn

from ..flows import DIRECTION, IAT, N_CHANNELS, SIZE

__all__ = ["FlowResNet"]


class _ResidualBlock(nn.Module):
    """Two kernel-3 convolutions, the first with stride 2, plus a 1x1 skip path."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv1 = nn.Conv1d(
            in_channels, out_channels, kernel_size=3, stride=2, padding=1, bias=False
        )
        self.bn1 = nn.BatchNorm1d(out_channels)
        self.conv2 = nn.Conv1d(
            out_channels, out_channels, kernel_size=3, padding=1, bias=False
        )
        self.bn2 = nn.BatchNorm1d(out_channels)
        self.skip = nn.Sequential(
            nn.Conv1d(in_channels, out_channels, kernel_size=1, stride=2, bias=False),
            nn.BatchNorm1d(out_channels),
        )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.skip(x))


class FlowResNet(nn.Module):
    """Classify flows with a small residual 1-D CNN over their packet series.

    The network rescales the flow array itself, so it takes flows in the physical
    units of :mod:`skaug.flows`. Sizes become ``log1p(size)`` with the size in bytes,
    directions stay +1/-1/0, and IATs become ``log1p(1000 * iat)``. The IAT is taken
    in milliseconds so that gaps from 1 microsecond to 10 seconds map to about
    [0, 9.2].

    Then come a stem convolution (``n_channels`` -> ``width`` channels, kernel 3,
    batch norm, ReLU), two residual blocks (``width`` -> ``width``, then ``width``
    -> ``2 * width``), each made of two kernel-3 convolutions with batch norm and
    ReLU, the first with stride 2, plus a stride-2 1x1 convolution with batch norm
    on the skip path; global average pooling over packets; and one linear layer to
    the class scores.

    Parameters
    ----------
    n_classes : int
        Number of classes, the size of the output.
    n_channels : int, default=3
        Number of input channels. The first three are read as size, direction and
        IAT and rescaled as above. Further channels are passed on unchanged.
    width : int, default=64
        Channels of the stem and of the first residual block. The second block has
        ``2 * width``.

    Notes
    -----
    With the default width and 20 classes the network has 115,028 trainable
    parameters. The convolutions carry no bias because batch norm follows each one.
    Global average pooling makes the network accept any number of packets.

    Input: float tensor of shape ``(batch, n_channels, n_packets)``. Output: logits
    of shape ``(batch, n_classes)``, to pair with
    :class:`torch.nn.CrossEntropyLoss`.

    References
    ----------
    .. [1] C. Wang, A. Finamore, P. Michiardi, M. Gallo, D. Rossi, "Data
       Augmentation for Traffic Classification", Passive and Active Measurement
       (PAM), 2024, arXiv:2401.10754.

    Examples
    --------
    >>> import torch
    >>> from skaug.models import FlowResNet
    >>> net = FlowResNet(n_classes=5)
    >>> net(torch.zeros(8, 3, 20)).shape
    torch.Size([8, 5])
    """

    def __init__(self, n_classes, n_channels=N_CHANNELS, width=64):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv1d(n_channels, width, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm1d(width),
            nn.ReLU(inplace=True),
        )
        self.block1 = _ResidualBlock(width, width)
        self.block2 = _ResidualBlock(width, 2 * width)
        self.classifier = nn.Linear(2 * width, n_classes)

    def forward(self, X):
        X = _scale_flows(X)
        X = self.block2(self.block1(self.stem(X)))
        return self.classifier(X.mean(dim=2))


def _scale_flows(X):
    # Sizes and IATs are >= 0 in a valid flow array, so log1p is defined.
    sizes = torch.log1p(X[:, SIZE : SIZE + 1])
    iats = torch.log1p(1000.0 * X[:, IAT : IAT + 1])
    scaled = [sizes, X[:, DIRECTION : DIRECTION + 1], iats]
    return torch.cat([*scaled, X[:, N_CHANNELS:]], dim=1)
