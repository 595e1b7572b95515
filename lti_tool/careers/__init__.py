"""Careers: occupation reference data (BLS OEWS employment and wages) and what is built on it."""
