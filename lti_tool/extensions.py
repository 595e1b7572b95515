"""Flask extensions, created unbound and attached to the app in ``create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from lti_tool.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)

# The base class of every model. At run time it is ``db.Model`` (``Base`` with
# Flask-SQLAlchemy's mixins); a type checker cannot follow a class built at run time, so it
# sees ``Base`` itself, whose typed ``Mapped[...]`` columns are what the models declare.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
