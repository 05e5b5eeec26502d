"""The survey domain: checklist, records, validation, indicators, follow-ups.

Standard library only: the phone app and the sync server import the same code, so a number
in a staff report is computed exactly as the volunteer's phone computed it.
"""
