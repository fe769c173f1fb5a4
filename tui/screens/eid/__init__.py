"""Linking and using the eID card, locally and from a remote session."""
