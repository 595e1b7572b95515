"""Careers: occupation reference data (BLS OEWS employment and wages, O*NET, crosswalks to
career clusters) and what is built on it.

Reference data is global (one copy for every tenant); a district's overrides are per tenant.
"""
