"""Synthetic e-commerce data: catalogue, shoppers with personas, interaction funnel (pure, seeded)."""
