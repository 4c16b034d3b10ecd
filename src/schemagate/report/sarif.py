"""SARIF 2.1.0 for GitHub code scanning."""

from __future__ import annotations

from typing import Any

from schemagate import __version__
from schemagate.findings import Severity, registry
from schemagate.findings.docs import url
from schemagate.repofiles import display_path
from schemagate.report.model import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: Report) -> dict[str, Any]:
    rules = sorted(registry.rules(), key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for f in report.findings:
        result: dict[str, Any] = {
            "ruleId": f.rule.id,
            "ruleIndex": index[f.rule.id],
            "level": _LEVEL[f.level],
            "message": {"text": f.message},
        }
        path = display_path(f.path, report.project)
        if path:
            location: dict[str, Any] = {"artifactLocation": {"uri": path}}
            if f.line:
                location["region"] = {"startLine": f.line}
            result["locations"] = [{"physicalLocation": location}]
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "schemagate",
                        "version": __version__,
                        "informationUri": "https://github.com/schemagate/schemagate",
                        "rules": [
                            {
                                "id": r.id,
                                "name": r.title,
                                "shortDescription": {"text": r.title},
                                "fullDescription": {"text": r.why},
                                "help": {"text": f"{r.why}\n\nFix:\n{r.fix}"},
                                "helpUri": url(r),
                                "defaultConfiguration": {"level": _LEVEL[r.severity]},
                                "properties": {
                                    "checklist-item": r.item,
                                    **({"splinter": r.alias} if r.alias else {}),
                                },
                            }
                            for r in rules
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
