"""Vietnamese text: one canonical spelling (``normalise``), words and protected tokens (``analysis``),
and the abbreviations members type (``abbreviations``). Documents and queries share all of it."""
