"""The results as JUnit XML, the format test-report actions and CI dashboards read.

One <testsuite> per file, one <testcase> per pgTAP test; what fails a file besides a test (an
error, a bad plan, a bail-out) is a <testcase> of its own with an <error>, so no tool counts the
file as green. A file that could not be verified is skipped, with the reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from schemagate.database.dbtests.execute import Suite
from schemagate.database.dbtests.tap import Assertion, FileResult
from schemagate.repofiles import display_path


def render(suite: Suite) -> str:
    root = ET.Element(
        "testsuites",
        name="schemagate test",
        tests=str(sum(_cases(f) for f in suite.files)),
        failures=str(sum(len(f.failures) for f in suite.files)),
        errors=str(sum(1 for f in suite.files if f.problems)),
        time=f"{suite.seconds:.3f}",
    )
    for result in suite.files:
        root.append(_suite(result))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _cases(result: FileResult) -> int:
    return max(len(result.assertions) + (1 if result.problems else 0), 1)


def _suite(result: FileResult) -> ET.Element:
    name = display_path(result.path) or result.path.as_posix()
    skipped = len(result.skipped) + (1 if result.unverified or result.skip_all is not None else 0)
    element = ET.Element(
        "testsuite",
        name=name,
        tests=str(_cases(result)),
        failures=str(len(result.failures)),
        errors=str(1 if result.problems else 0),
        skipped=str(skipped),
        time=f"{result.seconds:.3f}",
    )
    for assertion in result.assertions:
        element.append(_case(name, assertion))
    if result.problems:
        case = ET.SubElement(element, "testcase", classname=name, name="(the file)", file=name)
        where = result.error.where if result.error and result.error.where else None
        if where:
            case.set("line", str(where.line))
        ET.SubElement(case, "error", message=result.problems[0]).text = "\n".join(result.problems)
    elif result.unverified or (result.skip_all is not None and not result.assertions):
        case = ET.SubElement(element, "testcase", classname=name, name="(the file)", file=name)
        ET.SubElement(case, "skipped", message=result.unverified or result.skip_all or "skipped")
    return element


def _case(name: str, assertion: Assertion) -> ET.Element:
    title = f"{assertion.number}" + (f" - {assertion.description}" if assertion.description else "")
    case = ET.Element(
        "testcase",
        classname=name,
        name=title,
        file=display_path(assertion.where.path) or name,
        line=str(assertion.where.line),
    )
    if assertion.failed:
        failure = ET.SubElement(case, "failure", message=assertion.description or f"test {assertion.number}")
        failure.text = "\n".join(assertion.diagnostics)
    elif assertion.skipped:
        ET.SubElement(case, "skipped", message=assertion.reason)
    return case
