"""Synthetic e-commerce data: catalogue, shoppers with personas, interaction funnel (pure, seeded).

Nothing here reads the clock, the disk or the network: callers pass a
``numpy.random.Generator`` and "now", and get DataFrames back. The same generator state gives
byte-identical CSVs.

Modules: ``vocabulary`` (categories, words, personas), ``users`` (``make_users``),
``catalogue`` (``make_items``; ``new_edition``, a launch's PutItems record), ``interactions``
(``make_interactions``), ``schemas`` (the Avro schemas of the three datasets), ``truth`` (what
each shopper truly likes), ``drift`` (the weeks after the data, with shifting tastes),
``actions`` (the shop's actions and ``make_action_interactions``, for Next-Best-Action).
"""

from .actions import make_action_interactions
from .catalogue import make_items, new_edition
from .interactions import make_interactions
from .users import make_users

__all__ = ["make_action_interactions", "make_items", "make_interactions", "make_users", "new_edition"]
