"""Data files shipped with the package (catalogue, header words, abbreviations)."""
