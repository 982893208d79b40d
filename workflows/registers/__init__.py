"""The registers: organisations and their meeting calendars, arrangements with their phases,
parts and extensions, volmachten and mandaten with their grants, agreements, what covers
which act, and the days equated with holidays (Algemene termijnenwet).
"""
