"""Organisations, their data, and their employees (mandates)."""
