"""The shop's storefront: a web application whose backend calls Amazon Personalize through boto3.

``make storefront`` serves it (``python -m helpers.storefront``). Modules: ``backend`` (the
boto3 calls, one per shelf), ``shop`` (catalogue, shoppers, event log), ``shelves`` (what each
page shows, caching and fallbacks), ``images`` (product pictures), ``app`` (routes, templates).
"""
