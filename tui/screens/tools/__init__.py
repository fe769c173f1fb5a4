"""Tools: the list, registration, access, terms, quality selection and launch."""
