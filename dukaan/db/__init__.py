"""Database infrastructure: primary/replica routing, replica health, read-your-writes, WAL positions.

Knows no domain: it routes whatever models the apps define.
"""
