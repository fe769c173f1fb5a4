"""Built-in invoice delivery plugins."""
