"""Report formats shared by `check` and `smoke`: text tables, JSON and JUnit XML.

Only formatting lives here; what goes into a report is decided by the command's own
module (:mod:`generator.check`, :mod:`generator.smoke`).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: 2 per East Asian wide or fullwidth character, else 1.

    Unicode's East_Asian_Width property (UAX #11), as terminals lay out Japanese text;
    combining marks count 0.
    """
    return sum(
        0
        if unicodedata.combining(char)
        else 2
        if unicodedata.east_asian_width(char) in ("W", "F")
        else 1
        for char in text
    )


def pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (see :func:`display_width`)."""
    return text + " " * max(0, width - display_width(text))


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns two spaces apart, header first; one string per line, no trailing blanks.

    Widths are terminal columns (:func:`display_width`), so Japanese headings and cells
    line up. Raises ``ValueError`` when a row has another number of cells than the header.
    """
    table = [tuple(header), *(tuple(row) for row in rows)]
    if any(len(row) != len(header) for row in table):
        raise ValueError(f"every row of the table needs {len(header)} cells")
    widths = [max(display_width(row[i]) for row in table) for i in range(len(header))]
    return [
        "  ".join(pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]


def to_json(data: Mapping[str, Any]) -> str:
    """``data`` as indented JSON with a final newline."""
    return json.dumps(data, indent=2) + "\n"


@dataclass(frozen=True)
class JUnitCase:
    """One JUnit test case: passed unless ``failure`` (the failure's one-line message) is set."""

    name: str
    classname: str
    failure: str | None = None
    details: str = ""
    output: str = ""
    seconds: float | None = None


@dataclass(frozen=True)
class JUnitSuite:
    """One JUnit test suite."""

    name: str
    cases: tuple[JUnitCase, ...]
    properties: Mapping[str, str] = field(default_factory=dict)
    seconds: float | None = None

    @property
    def failures(self) -> int:
        return sum(case.failure is not None for case in self.cases)


def _suite_element(suite: JUnitSuite) -> ElementTree.Element:
    element = ElementTree.Element(
        "testsuite",
        name=suite.name,
        tests=str(len(suite.cases)),
        failures=str(suite.failures),
        errors="0",
        skipped="0",
    )
    if suite.seconds is not None:
        element.set("time", f"{suite.seconds:.3f}")
    if suite.properties:
        properties = ElementTree.SubElement(element, "properties")
        for name, value in suite.properties.items():
            ElementTree.SubElement(properties, "property", name=name, value=value)
    for case in suite.cases:
        case_element = ElementTree.SubElement(
            element, "testcase", classname=case.classname, name=case.name
        )
        if case.seconds is not None:
            case_element.set("time", f"{case.seconds:.3f}")
        if case.failure is not None:
            failure = ElementTree.SubElement(case_element, "failure", message=case.failure)
            failure.text = case.details
        if case.output:
            ElementTree.SubElement(case_element, "system-out").text = case.output
    return element


def junit_xml(suites: Sequence[JUnitSuite], *, name: str | None = None) -> str:
    """JUnit XML: one ``<testsuite>`` root, or ``<testsuites name=...>`` around several.

    ``name`` set: a ``<testsuites>`` root holding every suite (as CI systems read fleets);
    ``name`` None: exactly one suite, written as the root.
    """
    if name is None:
        if len(suites) != 1:
            raise ValueError("a JUnit document without a name holds exactly one suite")
        root = _suite_element(suites[0])
    else:
        root = ElementTree.Element("testsuites", name=name)
        root.extend(_suite_element(suite) for suite in suites)
        root.set("tests", str(sum(len(suite.cases) for suite in suites)))
        root.set("failures", str(sum(suite.failures for suite in suites)))
    ElementTree.indent(root)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        + ElementTree.tostring(root, encoding="unicode")
        + "\n"
    )
