"""Operator tools that may know every app: staging seed and sanitize, demo seeding, the media sweep."""
