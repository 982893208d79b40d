"""HTTP, Flask, configuration and processes: the only layer that knows Flask and APScheduler."""
