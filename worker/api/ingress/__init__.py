"""Ingress from telephony platforms: Twilio recording callbacks, Amazon Connect contact records."""
