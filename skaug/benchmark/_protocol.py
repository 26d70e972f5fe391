"""The study's protocol: which methods run, on which data, with which settings."""

import dataclasses
from dataclasses import dataclass

__all__ = [
    "BASELINE",
    "DATASETS",
    "NO_SAMPLER",
    "RunSpec",
    "StudyConfig",
    "build_estimator",
    "study_methods",
]

BASELINE = "No Aug"
NO_SAMPLER = "No Aug w/o Sampler"
DATASETS = ("synthetic", "certta", "mirage19", "mirage22", "pcap")


@dataclass(frozen=True)
class StudyConfig:
    """Settings that change the scores of a benchmark, shared by all its runs.

    Attributes
    ----------
    dataset : {"synthetic", "certta", "mirage19", "mirage22", "pcap"}
        Source of the flows.
    data : str or None
        Path to the data (folder or archive); None for ``"synthetic"``.
    n_packets : int
        Packets kept per flow.
    n_flows : int
        Number of flows generated for ``"synthetic"`` (ignored otherwise).
    test_size : float
        Fraction of flows held out for testing, stratified by class. The MIRAGE
        data sets use the study's own split (10%) instead.
    batch_size : int
        The batch size B of augmented methods; baselines train on 2B.
    max_epochs : int
        Epoch limit; early stopping on validation loss usually stops sooner.
    policy : {"inject", "replace"}
        How online augmentation enters a batch.
    replace_p : float
        Probability that a flow is replaced by its augmented copy (replace policy).
    stack_p : float
        Probability that each augmentation of the stack is applied to a flow.
    """

    dataset: str = "synthetic"
    data: str | None = None
    n_packets: int = 20
    n_flows: int = 3000
    test_size: float = 0.2
    batch_size: int = 32
    max_epochs: int = 50
    policy: str = "inject"
    replace_p: float = 0.5
    stack_p: float = 0.7

    def as_dict(self):
        """Return the settings as a plain dict, for the results store."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class RunSpec:
    """One training run: a method trained with one seed on one split."""

    dataset: str
    method: str
    seed: int
    split: int

    @property
    def key(self):
        """The primary key of the run in the results store."""
        return (self.dataset, self.method, self.seed, self.split)


def study_methods(augmentations=None, *, stack=True):
    """List the methods of the study in the order they are reported.

    Parameters
    ----------
    augmentations : list of str, default=None
        Names from :data:`skaug.augment.AUGMENTATIONS`; None takes all of them.
    stack : bool, default=True
        Add "Stack", every listed augmentation applied in turn with probability
        ``stack_p``, the best method of the 2024 study.

    Returns
    -------
    methods : list of str
        The two baselines, then the augmentations, then "Stack" when requested.
    """
    from ..augment import AUGMENTATIONS

    if augmentations is None:
        augmentations = list(AUGMENTATIONS)
    unknown = [name for name in augmentations if name not in AUGMENTATIONS]
    if unknown:
        raise ValueError(
            f"Unknown augmentation name(s) {unknown}. Choose among: "
            f"{', '.join(AUGMENTATIONS)}."
        )

    methods = [NO_SAMPLER, BASELINE, *augmentations]
    if stack and len(augmentations) > 1:
        methods.append("Stack")
    return methods


def build_estimator(method, config, seed, augmentations):
    """Build the unfitted classifier of one method.

    Baselines train on plain batches of 2B, with and without the class-weighted
    sampler. Augmented methods draw B flows per batch and, with the inject policy,
    add one augmented copy of each, so every method trains on 2B flows per step.
    With the replace policy they draw 2B flows, and some are replaced by their
    augmented copies.

    Parameters
    ----------
    method : str
        A name returned by :func:`study_methods`.
    config : StudyConfig
        The benchmark settings.
    seed : int
        Seeds the network, the sampler, the validation split and the augmentation.
    augmentations : list of str
        The augmentations of the study, used to build "Stack".

    Returns
    -------
    estimator : skaug.FlowCNN
    """
    from ..augment import AUGMENTATIONS, Stack
    from ..models import FlowCNN

    common = dict(max_epochs=config.max_epochs, random_state=seed)
    if method in (BASELINE, NO_SAMPLER):
        return FlowCNN(
            batch_size=2 * config.batch_size,
            class_weighted_sampler=method == BASELINE,
            **common,
        )

    if method == "Stack":
        steps = [(name.lower(), AUGMENTATIONS[name]()) for name in augmentations]
        augmentation = Stack(steps, p=config.stack_p)
    else:
        augmentation = AUGMENTATIONS[method]()

    inject = config.policy == "inject"
    return FlowCNN(
        augmentation=augmentation,
        policy=config.policy,
        replace_p=config.replace_p,
        batch_size=config.batch_size if inject else 2 * config.batch_size,
        **common,
    )
