"""The JUnit XML schema Jenkins reads (the one pytest's junitxml targets), as checks: which elements may hold which,
which attributes each may carry, which are required, and the form of `time`. Both of diffcheck's producers (`verify
--format junit` and the pytest plugin through pytest's junitxml) must pass it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_TIME = re.compile(r"(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]{0,3})?")
_SUITE_ATTRS = {"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname", "id"}
_SUITE_ATTRS |= {"package", "file", "log", "url", "version"}
# element -> (attributes allowed, attributes required, children allowed)
SCHEMA = {
    "testsuites": ({"name", "time", "tests", "failures", "errors"}, set(), {"testsuite"}),
    "testsuite": (
        _SUITE_ATTRS,
        {"name", "tests", "failures", "errors"},
        {"testsuite", "properties", "testcase", "system-out", "system-err"},
    ),
    "properties": (set(), set(), {"property"}),
    "property": ({"name", "value"}, {"name", "value"}, set()),
    "testcase": (
        {"name", "time", "classname", "group"},
        {"name"},
        {"skipped", "error", "failure", "system-out", "system-err"},
    ),
    "failure": ({"type", "message"}, set(), set()),
    "error": ({"type", "message"}, set(), set()),
    "skipped": ({"type", "message"}, set(), set()),
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
}


def problems(text: str) -> list[str]:
    """Every way `text` breaks the schema (empty: it validates)."""
    root = ET.fromstring(text)
    found = [] if root.tag == "testsuites" else [f"root is <{root.tag}>, not <testsuites>"]
    for element in root.iter():
        if element.tag not in SCHEMA:
            found.append(f"<{element.tag}> is not in the schema")
            continue
        allowed, required, children = SCHEMA[element.tag]
        found += [f"<{element.tag}> has attribute '{a}'" for a in sorted(set(element.attrib) - allowed)]
        found += [f"<{element.tag}> lacks attribute '{a}'" for a in sorted(required - set(element.attrib))]
        found += [f"<{child.tag}> inside <{element.tag}>" for child in element if child.tag not in children]
        if element.tag in ("testsuites", "testsuite") and "time" in element.attrib:
            if not _TIME.fullmatch(element.get("time")):
                found.append(f"<{element.tag}> time '{element.get('time')}' is not the schema's number form")
    return found
