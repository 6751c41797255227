"""Use cases that HTTP handlers and queue workers both call: one layer below both.

Moving an order, locking and announcing a snapshot, starting production, queueing renders and
packs, and describing each state change to webhooks live here, so ``api/`` and ``jobs/`` call
down into the same code and neither imports the other. Nothing here imports ``api/`` or
``jobs/`` (a test walks the import graph).
"""
