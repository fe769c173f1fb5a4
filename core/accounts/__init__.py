"""Accounts: registration, activation, sign-in, sessions, recovery, profile."""
