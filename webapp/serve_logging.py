"""gunicorn's own lines (start, workers, the access log) in the same JSON lines as the app's
when ``LOG_FORMAT=json``, so that a log collector reads one format from ``besluitwerk serve``.
Passed to gunicorn as ``--logger-class webapp.serve_logging.JsonLinesLogger``."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from webapp.logs import json_lines_formatter, mask_calendar_tokens


class JsonLinesLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(json_lines_formatter())
                # The access log names every path, and a calendar path holds its token.
                mask_calendar_tokens(handler)
