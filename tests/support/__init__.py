"""Test helpers that start real components (PostgreSQL, SMTP, …) on this machine."""
