"""autobahn's debug lines about frames, left uncoloured.

For every frame it sends, autobahn's ``sendData`` builds the arguments of a debug line (the
method's qualified name, the peer, the size), coloured with click where click is installed,
whether debug lines are logged or not. Production installs no click; the tests and benchmarks do
(schemathesis brings it), and there the colouring took a twentieth of a daphne process's time in
a fan-out to 500 sockets. Turned off, every server pays what production pays, and no terminal
colour code reaches a log line.
"""

from __future__ import annotations

from autobahn import util


def plain_frame_logs() -> None:
    util._HAS_CLICK = False
