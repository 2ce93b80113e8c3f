"""Amazon Personalize's control plane (the ``personalize`` service), locally.

The hooks look an operation up here by its name (``create_recommender``): in the ``__all__`` of
a resource module (``OPERATION_MODULES``), else among the Describe, List and Delete operations
the resource layer writes for every declared kind (``resources.operation``); tagging is the
resource layer's too.
Importing this module imports every resource module, and with it registers every kind.
"""

from __future__ import annotations

from collections.abc import Callable

from botocore import xform_name

from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import (
    algorithms,
    batch_jobs,
    batch_segment_jobs,
    campaigns,
    data_deletions,
    datasets,
    event_trackers,
    exports,
    filters,
    metric_attributions,
    recipes,
    recommenders,
    resources,
    solutions,
)
from helpers.localaws.personalize.resources import (
    list_tags_for_resource,
    named_arns,
    tag_resource,
    untag_resource,
    work_on,
)

__all__ = ["list_tags_for_resource", "pending_work", "tag_resource", "untag_resource"]

SERVICE = "personalize"

OPERATION_MODULES = (
    datasets, exports, data_deletions, metric_attributions, recipes, algorithms, recommenders, solutions,
    campaigns, filters, event_trackers, batch_jobs, batch_segment_jobs,
)  # fmt: skip
"""Modules whose operations (their ``__all__``) this service answers: one per resource kind."""


def __getattr__(name: str) -> Callable:
    """Find an operation by its name (PEP 562): a resource module's, or the resource layer's."""
    for module in OPERATION_MODULES:
        if name in module.__all__:
            return getattr(module, name)
    found = resources.operation(name)
    if found is not None:
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pending_work(store: Store, operation: str, params: dict) -> list[str]:
    """The work a control-plane call's answer depends on; the hooks settle it first (``jobs``).

    That is the work of every resource the call names (its ``…Arn`` parameters), of the
    resources under them whose kind is ``parent_waits``, and, for a List, of every resource of
    the listed kind.

    Args:
        store: the state.
        operation: the operation's name (``CreateDataset``).
        params: the call's parameters.
    """
    listed = xform_name(operation.removeprefix("List")).replace("_", "-").removesuffix("s")
    return work_on(store, named_arns(params), listed if operation.startswith("List") else None)
