"""Built-in payment method plugins."""
