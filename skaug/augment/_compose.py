"""Compositions: apply several augmentations to one batch of flows."""

from collections import Counter
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BaseAugmenter

__all__ = ["RandomChoice", "Stack"]


def _default_names(augmentations):
    # Unnamed steps take their lowercased class name, numbered when it repeats, as
    # sklearn.pipeline.make_pipeline does.
    names = [type(augmentation).__name__.lower() for augmentation in augmentations]
    repeats = {name for name, count in Counter(names).items() if count > 1}
    seen = Counter()
    for i, name in enumerate(names):
        if name in repeats:
            seen[name] += 1
            names[i] = f"{name}-{seen[name]}"
    return names


class _BaseComposition(BaseAugmenter):
    """Nested parameters, step replacement and validation of a list of steps.

    ``augmentations`` is a list of augmenters or of ``(name, augmenter)`` pairs.
    Unnamed steps are named after their lowercased class, so
    ``set_params(jitter__sigma=0.1)`` reaches the :class:`Jitter` step.
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "augmentations": [list, tuple],
    }

    def _named_augmentations(self):
        # Invalid values are reported by _validate_params, not here, so that
        # get_params and set_params work on any value, as scikit-learn expects.
        if not isinstance(self.augmentations, (list, tuple)):
            return []
        steps = list(self.augmentations)
        unnamed = [i for i, step in enumerate(steps) if not isinstance(step, tuple)]
        names = _default_names([steps[i] for i in unnamed])
        for i, name in zip(unnamed, names):
            steps[i] = (name, steps[i])
        return steps

    def get_params(self, deep=True):
        """Get the parameters of the composition and, if ``deep``, of its steps.

        Parameters
        ----------
        deep : bool, default=True
            Also return each step under its name and each step's parameters as
            ``<name>__<parameter>``.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=False)
        if not deep:
            return params
        for name, augmentation in self._named_augmentations():
            params[name] = augmentation
            if hasattr(augmentation, "get_params"):
                for key, value in augmentation.get_params(deep=True).items():
                    params[f"{name}__{key}"] = value
        return params

    def set_params(self, **params):
        """Set the parameters of the composition or of its steps.

        Parameters
        ----------
        **params : dict
            Own parameters, steps replaced by name (``jitter=Scaling()``) and step
            parameters as ``<name>__<parameter>`` (``jitter__sigma=0.1``).

        Returns
        -------
        self : object
            The composition itself.
        """
        if "augmentations" in params:
            self.augmentations = params.pop("augmentations")
        names = [name for name, _ in self._named_augmentations()]
        for name in [key for key in params if key in names]:
            self._replace_step(name, params.pop(name))
        return super().set_params(**params)

    def _replace_step(self, name, augmentation):
        steps = list(self.augmentations)
        for i, (step_name, _) in enumerate(self._named_augmentations()):
            if step_name == name:
                named = isinstance(steps[i], tuple)
                steps[i] = (name, augmentation) if named else augmentation
        self.augmentations = steps

    def _validate_params(self):
        super()._validate_params()
        owner = type(self).__name__
        if len(self.augmentations) == 0:
            raise ValueError(
                f"The 'augmentations' parameter of {owner} must list at least one "
                "augmentation, got an empty list. Pass e.g. [Jitter(), PacketLoss()]."
            )
        for step in self.augmentations:
            named = isinstance(step, tuple)
            augmentation = step[1] if named and len(step) == 2 else step
            if (named and (len(step) != 2 or not isinstance(step[0], str))) or (
                not isinstance(augmentation, BaseAugmenter)
            ):
                raise TypeError(
                    f"The 'augmentations' parameter of {owner} must hold skaug "
                    "augmenters or (name, augmenter) pairs, got "
                    f"{step!r}. Wrap custom code in a BaseAugmenter subclass."
                )

        names = [name for name, _ in self._named_augmentations()]
        reserved = set(self.get_params(deep=False))
        for name in names:
            if names.count(name) > 1 or "__" in name or name in reserved:
                raise ValueError(
                    f"The step names of {owner} must be unique, contain no '__' and "
                    f"differ from {sorted(reserved)}, got {name!r} in {names}. "
                    "Rename the step."
                )
        for _, augmentation in self._named_augmentations():
            augmentation._validate_params()

    @staticmethod
    def _apply_to(augmentation, X, y, chosen, generator):
        # Apply one step to the flows selected by ``chosen`` (a boolean mask); a
        # mixing step pairs only flows that take this step.
        if not chosen.any():
            return X
        if chosen.all():
            return augmentation._augment(X, y, generator)
        y_chosen = None if y is None else np.asarray(y)[chosen]
        X[chosen] = augmentation._augment(X[chosen], y_chosen, generator)
        return X


class Stack(_BaseComposition):
    """Apply several augmentations in turn, each to a random part of the flows.

    For every step in order, each flow takes the step with probability ``p``,
    drawn independently per flow and per step (the "masked stack" of augmentations):
    a flow may get none, some or all of them. The steps see the output of the
    previous ones, so every step keeps the flows valid for the next.

    Parameters
    ----------
    augmentations : list of augmenters or of (str, augmenter) pairs
        Steps in the order they apply. Unnamed steps are named after their
        lowercased class (numbered if repeated) in :meth:`get_params` and
        :meth:`set_params`, e.g. ``jitter__sigma``.
    p : float, default=0.5
        Probability that a flow takes each step, in [0, 1].
    random_state : None, int, RandomState or Generator, default=None
        Seeds every draw, the steps' included, in :meth:`fit_resample` and in
        :meth:`augment` when no generator is given. The steps' own
        ``random_state`` is not used.

    Notes
    -----
    A mixing step (:class:`Interpolation`, :class:`CutMix`) pairs each flow with a
    flow of its class among those that take the step.

    References
    ----------
    .. [1] C. Wang, A. Finamore, P. Michiardi, M. Gallo and D. Rossi, "Data
       augmentation for traffic classification", PAM 2024 (arXiv:2401.10754).

    Examples
    --------
    >>> from skaug import Jitter, PacketLoss, Stack, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> stack = Stack([Jitter(), PacketLoss()], p=0.7).set_params(jitter__sigma=0.1)
    >>> stack.get_params()["jitter__sigma"]
    0.1
    >>> stack.fit_resample(X, y)[0].shape
    (200, 3, 20)
    """

    _parameter_constraints = {
        **_BaseComposition._parameter_constraints,
        "p": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, augmentations, p=0.5, *, random_state=None):
        super().__init__(random_state=random_state)
        self.augmentations = augmentations
        self.p = p

    def _augment(self, X, y, generator):
        for _, augmentation in self._named_augmentations():
            chosen = generator.random(X.shape[0], dtype=np.float32) < self.p
            X = self._apply_to(augmentation, X, y, chosen, generator)
        return X


class RandomChoice(_BaseComposition):
    """Apply one of several augmentations to each flow, drawn per flow.

    Each flow takes exactly one step, drawn with probabilities ``weights``.

    Parameters
    ----------
    augmentations : list of augmenters or of (str, augmenter) pairs
        Steps to choose from. Unnamed steps are named after their lowercased class
        (numbered if repeated) in :meth:`get_params` and :meth:`set_params`.
    weights : array-like of shape (n_augmentations,), default=None
        Relative probability of each step, >= 0 with a positive sum. ``None``
        draws them uniformly.
    random_state : None, int, RandomState or Generator, default=None
        Seeds every draw, the steps' included, in :meth:`fit_resample` and in
        :meth:`augment` when no generator is given. The steps' own
        ``random_state`` is not used.

    Notes
    -----
    A mixing step (:class:`Interpolation`, :class:`CutMix`) pairs each flow with a
    flow of its class among those that drew the step.

    Examples
    --------
    >>> from skaug import HorizontalFlip, RandomChoice, RandomMask, make_flows
    >>> X, y = make_flows(n_flows=100, random_state=0, return_X_y=True)
    >>> choice = RandomChoice([RandomMask(), HorizontalFlip()], weights=[3, 1])
    >>> choice.augment(X, random_state=0).shape
    (100, 3, 20)
    """

    _parameter_constraints = {
        **_BaseComposition._parameter_constraints,
        "weights": ["array-like", None],
    }

    def __init__(self, augmentations, weights=None, *, random_state=None):
        super().__init__(random_state=random_state)
        self.augmentations = augmentations
        self.weights = weights

    def _validate_params(self):
        super()._validate_params()
        if self.weights is None:
            return
        weights = np.asarray(self.weights, dtype=np.float64)
        n_steps = len(self.augmentations)
        if (
            weights.shape != (n_steps,)
            or not np.isfinite(weights).all()
            or (weights < 0).any()
            or weights.sum() <= 0
        ):
            raise ValueError(
                "The 'weights' parameter of RandomChoice must hold one finite weight "
                f">= 0 per augmentation ({n_steps}) with a positive sum, got "
                f"{self.weights!r}. Pass None for equal weights."
            )

    def _augment(self, X, y, generator):
        steps = self._named_augmentations()
        weights = None
        if self.weights is not None:
            weights = np.asarray(self.weights, dtype=np.float64)
            weights = weights / weights.sum()
        drawn = generator.choice(len(steps), size=X.shape[0], p=weights)
        for i, (_, augmentation) in enumerate(steps):
            X = self._apply_to(augmentation, X, y, drawn == i, generator)
        return X
