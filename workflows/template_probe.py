"""Child side of the test render of an uploaded template: ``python -m workflows.template_probe``.

Reads ``{"template": hex, "context": <docx_render.context_json with images>}`` on stdin and
writes ``{"document": hex}`` or ``{"error": Dutch message}``. It only runs under
``child_process`` limits (S2), so a template built to loop or allocate without end stops this
child, never the web worker.
"""

from __future__ import annotations

import json

from workflows import docx_render
from workflows.child_process import serve


def handle(payload: bytes) -> bytes:
    request = json.loads(payload)
    try:
        document = docx_render.render(
            docx_render.prepare(bytes.fromhex(request["template"])),
            docx_render.context_from_json(request["context"]),
        )
    except docx_render.RenderFailed as failed:
        return json.dumps({"error": failed.message}).encode("utf-8")
    return json.dumps({"document": document.hex()}).encode("utf-8")


if __name__ == "__main__":
    serve(handle)
