"""The check-cache fast path (POST /classify/check-cache): see README.md beside this file.

Import the modules themselves (``check``, ``hits``, ``fastpath``, ``copies``): this file imports nothing, so that
``cache`` can use ``copies`` without a cycle through ``check``.
"""
