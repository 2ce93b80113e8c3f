"""Avro schemas (JSON) of the USERS, ITEMS and INTERACTIONS datasets, read by ``datagen.schemas``."""
