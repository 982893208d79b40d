"""Monitoring of an arrangement: imports of cost and volume figures and the cost lines."""
