"""Child side of the checks and test renders of an uploaded template:
``python -m workflows.documents.engine.template_probe``.

Reads ``{"template": hex, "kind": kind, "check": bool, "context": <docx_render.context_json
with images> or null}`` on stdin. With ``check`` it runs ``template_checks.check_rendering``
(parse, allowed constructs, known fields, compile, the render with the longest values, the
render with the context); without, it only fills the template with the context. Writes
``{"fields_used": [...], "missing_fields": [...], "document": hex or null}`` or
``{"problems": [Dutch sentences]}``. It only runs under ``child_process`` limits (S2): the
web worker never parses or compiles the code of an uploaded template that was not checked.
"""

from __future__ import annotations

import json
from typing import Any

from workflows.documents.engine import docx_render, template_checks
from workflows.documents.engine.child_process import serve


def handle(payload: bytes) -> bytes:
    request = json.loads(payload)
    content = bytes.fromhex(request["template"])
    context = request.get("context")
    sample = docx_render.context_from_json(context) if context is not None else None
    answer: dict[str, Any]
    try:
        if request.get("check"):
            report = template_checks.check_rendering(content, str(request["kind"]), sample)
            answer = {
                "fields_used": report.fields_used,
                "missing_fields": report.missing_fields,
                "document": report.preview.hex() if report.preview is not None else None,
            }
        elif sample is not None:
            answer = {"document": template_checks.fill_sample(content, sample).hex()}
        else:
            answer = {"problems": ["Er zijn geen voorbeeldgegevens om het sjabloon te vullen."]}
    except template_checks.TemplateRefused as refused:
        answer = {"problems": refused.problems}
    return json.dumps(answer).encode("utf-8")


if __name__ == "__main__":
    serve(handle)
