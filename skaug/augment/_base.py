"""Base class shared by every augmentation."""

from abc import abstractmethod

import numpy as np
from imblearn.base import SamplerMixin
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ..flows import check_flows, check_random_generator

__all__ = ["BaseAugmenter"]


class BaseAugmenter(SamplerMixin, BaseEstimator):
    """Base class for flow augmentations, usable offline and online.

    An augmenter draws one randomly transformed copy of each flow it is given. It is
    used in two ways:

    - offline, :meth:`fit_resample` returns the original flows followed by one
      augmented copy of each, so the augmenter can sit in an
      :class:`imblearn.pipeline.Pipeline` (the pre-augment policy);
    - online, :meth:`augment` transforms one training batch with a generator owned by
      the caller, which is how :class:`skaug.FlowCNN` draws new transformations for
      every batch of every epoch.

    Subclasses set ``_parameter_constraints`` and implement :meth:`_augment`, which
    receives a private float32 copy of the flows that it may change in place. Flows
    come in and go out in the convention of :mod:`skaug.flows`.
    """

    _sampling_type = "bypass"
    _parameter_constraints: dict = {
        "random_state": ["random_state", np.random.Generator]
    }

    def __init__(self, *, random_state=None):
        self.random_state = random_state

    def fit(self, X, y=None):
        """Validate the parameters and the flows. Nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_flows, 3, n_packets)
            Flows in the convention of :mod:`skaug.flows`.
        y : array-like of shape (n_flows,), default=None
            Class labels.

        Returns
        -------
        self : object
            The augmenter itself.
        """
        self._validate_params()
        self._check_input(X, y)
        return self

    def fit_resample(self, X, y):
        """Append one augmented copy of each flow to the flows (pre-augment policy).

        Parameters
        ----------
        X : array-like of shape (n_flows, 3, n_packets)
            Flows in the convention of :mod:`skaug.flows`.
        y : array-like of shape (n_flows,)
            Class labels, of any type.

        Returns
        -------
        X_resampled : ndarray of shape (2 * n_flows, 3, n_packets), dtype float32
            The original flows, then their augmented copies in the same order.
        y_resampled : ndarray of shape (2 * n_flows,)
            ``y`` twice.
        """
        self._validate_params()
        X, y = self._check_input(X, y, require_y=True)
        generator = check_random_generator(self.random_state)

        X_augmented = self._augment(X.copy(), y, generator)
        return np.concatenate([X, X_augmented]), np.concatenate([y, y])

    def _fit_resample(self, X, y):
        # Required by SamplerMixin; fit_resample above does the work.
        return self.fit_resample(X, y)

    def augment(self, X, y=None, *, random_state=None, check_input=True):
        """Draw one augmented copy of each flow.

        Parameters
        ----------
        X : array-like of shape (n_flows, 3, n_packets)
            Flows in the convention of :mod:`skaug.flows`. Never modified.
        y : array-like of shape (n_flows,), default=None
            Class labels. Required by augmentations that pair flows of one class.
        random_state : None, int, RandomState or Generator, default=None
            Source of randomness for this call. Pass one ``Generator`` to successive
            calls to get different, reproducible transformations on every batch.
            ``None`` uses the augmenter's own ``random_state``.
        check_input : bool, default=True
            Validate the parameters and the flows. Online training validates once
            and then skips this check on every batch.

        Returns
        -------
        X_augmented : ndarray of shape (n_flows, 3, n_packets), dtype float32
            The augmented copies, in the order of ``X``.
        """
        if check_input:
            self._validate_params()
            X, y = self._check_input(X, y)
        else:
            X = np.asarray(X, dtype=np.float32)
        if random_state is None:
            random_state = self.random_state
        generator = check_random_generator(random_state)

        return self._augment(np.array(X, dtype=np.float32, copy=True), y, generator)

    def _check_min_max(self, min_name, max_name):
        """Raise a ValueError when parameter ``min_name`` exceeds ``max_name``."""
        low, high = getattr(self, min_name), getattr(self, max_name)
        if low > high:
            raise ValueError(
                f"The {min_name!r} parameter of {type(self).__name__} must be <= "
                f"{max_name!r}, got {min_name}={low!r} and {max_name}={high!r}. "
                "Swap them, or set them equal for a fixed value."
            )

    def _check_input(self, X, y, require_y=False):
        X = check_flows(X)
        if y is None:
            if require_y:
                raise ValueError(
                    f"{type(self).__name__}.fit_resample requires class labels y, "
                    "got None. Pass one label per flow."
                )
            return X, None

        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        return X, y

    @abstractmethod
    def _augment(self, X, y, generator):
        """Transform ``X`` (a private copy) in place or not, and return the result.

        Parameters
        ----------
        X : ndarray of shape (n_flows, 3, n_packets), dtype float32
            Valid flows that the method may change in place.
        y : ndarray of shape (n_flows,) or None
            Class labels.
        generator : numpy.random.Generator
            The only source of randomness to use.

        Returns
        -------
        X_augmented : ndarray of shape (n_flows, 3, n_packets), dtype float32
            Valid flows.
        """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags
