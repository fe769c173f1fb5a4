"""Built-in recognition source plugins."""
