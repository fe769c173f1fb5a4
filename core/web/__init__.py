"""The web server of the platform (``immo-connect web``): OpenID Connect provider, wallet API, webhooks."""
