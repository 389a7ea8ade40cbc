"""Demo data and the province-scale generator."""
