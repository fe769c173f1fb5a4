"""Belgian formats: enterprise numbers, structured communications, IBAN, national numbers.

One module per format; each parses input written the ways people write it, validates it,
and formats it for display. Pure functions, no database.
"""
