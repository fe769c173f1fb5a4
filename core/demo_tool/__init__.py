"""The example web tool that signs in with Immo-Connect (``immo-connect demo-tool``)."""

# The loopback ports of the demo tools: the built-in external tools register these addresses
# as their web clients unless plugins.toml says otherwise.
DEMO_PORTS = {"myrentpro": 8481, "bizmart": 8482, "btv": 8483, "cibweb": 8484, "covast": 8485, "romi": 8486}
