"""Privacy and operations: the data inventory (every column of the schema, classified), the
privacy page any person of a tenant may read, and the operator's tools for a district's data
(backups of SQLite installs, deleting a whole district).

It sits above every feature: the inventory speaks of all of their tables, and the page
links to their pages; no feature imports it.
"""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from lti_tool.privacy import views  # noqa: E402,F401
