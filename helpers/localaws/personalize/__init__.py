"""Amazon Personalize: the control plane, the runtime and the events endpoint.

``datasets`` answers the ``personalize`` service (dataset groups, schemas, datasets, imports,
recipes, tags) and finds the other operations in one module per resource kind
(``recommenders``, ``solutions``, ``campaigns``, ``filters``, ``event_trackers``,
``batch_jobs``, ``batch_segment_jobs``, ``algorithms``). ``runtime`` answers
``personalize-runtime``, ``events`` answers ``personalize-events`` (kept by ``streams``).
``training`` maps recipes onto ``helpers.recsys``. Imports run down to the engine, never up.
"""
