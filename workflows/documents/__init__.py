"""Documents made from the registers: templates and their versions, the values per kind, jobs,
bundles, signed copies returned by providers, sending an agreement, and the provider's view.
"""
