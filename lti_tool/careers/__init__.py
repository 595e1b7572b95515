"""Careers: occupation reference data (O*NET, crosswalks to career clusters) and matching.

Reference data is global (one copy for every tenant); a district's overrides are per tenant.
"""
