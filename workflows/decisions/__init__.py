"""B&W decisions: the regional dossier, its fan-out to each college, co-advice, and what a
decision changes in the registers when it is taken.
"""
