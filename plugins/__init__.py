"""Built-in plugins, shipped with the platform and registered by default."""
