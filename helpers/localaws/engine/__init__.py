"""The engine every emulated service runs on: nothing here knows a service's operations.

``hooks`` (botocore's events: capture the call, answer it, route it to the service module
in ``hooks.SERVICES``) · ``service_models`` (botocore's ``service-2.json``: output shapes, error
shapes) · ``validation`` (the model's constraints botocore leaves to the service) · ``errors``
(``AWSError`` and one class per error shape) · ``store`` (SQLite + files, shared by processes) ·
``jobs`` (asynchronous work and settling) · ``processes`` (who owns work) · ``calllog``.
"""
