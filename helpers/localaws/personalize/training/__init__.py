"""The bridge from Personalize's recipes to the models of ``helpers.recsys``.

``usecases`` trains and caches the model behind a recommender or a solution version from the
dataset group's data; ``segmentation`` ranks users for an item query (the segmentation recipes).
"""
