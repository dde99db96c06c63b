"""WTForms of the interviews section."""
