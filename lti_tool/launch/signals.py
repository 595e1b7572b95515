"""What launch announces to the features above it, as blinker signals (the library Flask's
own signals use), so launch never imports them.

``launch_recorded`` is sent once a launch was verified and recorded and its session opened,
with the application as sender and the :class:`~lti_tool.launch.services.LaunchResult` as
``result``. A receiver must not fail the launch: it records its own errors.
"""

from __future__ import annotations

from flask.signals import Namespace

_signals = Namespace()

#: Sent with ``sender=app`` and ``result=LaunchResult`` after each recorded launch.
launch_recorded = _signals.signal("lodestar.launch-recorded")
