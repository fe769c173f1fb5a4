"""Organisations (found by enterprise number) and their members."""
