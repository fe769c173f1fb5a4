"""The identity provider of the tools (OpenID Connect): sign-ins approved in the terminal UI."""
