"""Sign-in, registration, activation, password, profile and the user menu."""
