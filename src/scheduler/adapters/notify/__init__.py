"""Notifications: the log of every message, reminders, email through Django's mail API and SMS
through an ``SmsGateway``; Dramatiq actors deliver them (``actors``)."""
