"""Google Calendar: OAuth connection, event push, busy-time pull, push notifications.

The services layer (services.calendar_sync) decides what to write and read; this package speaks
to Google through google-api-python-client, built offline from the discovery document that the
library ships, with google-auth credentials that refresh themselves.
"""
