"""The screens, grouped by area as ``core/`` is: accounts, eid, organisations, tools, wallet.

The frame's own screens (home, help, the confirmation dialog) sit at this level."""
