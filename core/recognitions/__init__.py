"""Professional recognitions: fetched from the recognition sources once the eID is linked."""
