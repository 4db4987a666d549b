"""How a send went wrong, as far as trying again is concerned."""

from __future__ import annotations


class DeliveryFault(Exception):
    pass


class TransientFault(DeliveryFault):
    """Worth another try later: a timeout, a full mailbox (SMTP 4xx), a gateway's 5xx or 429."""


class PermanentFault(DeliveryFault):
    """Trying again will not help: a bad address, a refused recipient, a rejected request."""


class Unreachable(TransientFault):
    """The server or gateway itself did not answer (refused, reset, timed out): the messages
    after this one would wait for it in vain too."""
