"""Amazon Personalize: the control plane, the runtime and the events endpoint.

``resources`` is the resource layer: each kind is declared once (``Kind``: ARN type, parent,
Describe and List members, lifecycle, what deleting needs) and its Describe, List, Delete and
tags are answered from the declaration. One module per resource kind declares its kinds and
writes their Create and their work: ``datasets`` (groups, schemas, datasets, import jobs, with
``imports``), ``exports``, ``data_deletions``, ``metric_attributions`` (its CloudWatch metrics and
S3 reports), ``recipes`` and ``algorithms``, ``recommenders``, ``solutions``,
``campaigns``, ``filters`` (with ``filter_expressions``), ``event_trackers``, ``batch_jobs``,
``batch_segment_jobs`` (with ``segment_queries``). The endpoints: ``control_plane``
(``personalize``), ``runtime`` (``personalize-runtime``), ``events`` (``personalize-events``,
read back by ``streams``). ``training`` maps recipes onto ``helpers.recsys``. Imports run
down to ``aws`` and the engine, never up.
"""
