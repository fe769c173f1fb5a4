"""The Textual terminal UI: one front end over the core services, holding no business rules."""
