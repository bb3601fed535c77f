from xml.etree import ElementTree

import pytest

from generator.layers import parse_version, released_versions, version_key
from generator.reports import JUnitCase, JUnitSuite, display_width, junit_xml, text_table


def test_text_table_aligns_columns_and_strips_trailing_blanks() -> None:
    assert text_table(("a", "long header"), [("xyz", ""), ("1", "2")]) == [
        "a    long header",
        "xyz",
        "1    2",
    ]


def test_text_table_aligns_japanese_by_terminal_columns() -> None:
    # A CJK character takes two terminal columns (East_Asian_Width W/F), so "パス" is 4 wide.
    assert display_width("パス") == 4 and display_width("v0.2.0") == 6
    assert text_table(("プロジェクト", "パス"), [("churn", "/p"), ("合格", "/q")]) == [
        "プロジェクト  パス",
        "churn         /p",
        "合格          /q",
    ]


def test_text_table_refuses_ragged_rows() -> None:
    with pytest.raises(ValueError):
        text_table(("a", "b"), [("1",)])


def test_junit_one_suite_is_the_root_several_are_wrapped() -> None:
    passed = JUnitCase("ok", "c", output="note", seconds=1.5)
    failed = JUnitCase("bad", "c", failure="it broke", details="line 1\nline 2")
    one = ElementTree.fromstring(junit_xml([JUnitSuite("s", (passed, failed))]).split("\n", 1)[1])
    assert (one.tag, one.get("tests"), one.get("failures")) == ("testsuite", "2", "1")
    failure = one.find("testcase[@name='bad']/failure")
    assert failure is not None and failure.get("message") == "it broke"
    assert failure.text == "line 1\nline 2"
    assert one.find("testcase[@name='ok']/system-out").text == "note"  # type: ignore[union-attr]

    many = ElementTree.fromstring(
        junit_xml(
            [JUnitSuite("a", (passed,), {"path": "/x"}), JUnitSuite("b", (failed,))], name="fleet"
        ).split("\n", 1)[1]
    )
    assert (many.tag, many.get("name"), many.get("tests"), many.get("failures")) == (
        "testsuites",
        "fleet",
        "2",
        "1",
    )
    assert many.find("testsuite[@name='a']/properties/property").get("value") == "/x"  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        junit_xml([JUnitSuite("a", ()), JUnitSuite("b", ())])


def test_one_version_parser() -> None:
    assert released_versions(["v0.10.0", "latest", "v0.2.0", "v0.2.0-3-gabc1234", "v0.9.1"]) == [
        "v0.2.0",
        "v0.9.1",
        "v0.10.0",
    ]
    assert parse_version("v0.2.0-3-gabc1234") == parse_version("v0.2.0")
    assert version_key("not-a-version") < version_key("v0.0.1") < version_key("v0.1.0")
