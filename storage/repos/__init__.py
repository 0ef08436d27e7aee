"""Query functions: async, take a session first, may flush, never commit."""
