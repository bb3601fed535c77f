"""Property: whatever text a team gives as an answer, every rendered file parses.

Answers with unicode (non-BMP included), emoji, quotes, backslashes, tabs and newlines are
rendered into the core layer (and the production layer, which puts answers into YAML);
every TOML, YAML, JSON, Python and notebook file must parse, and the description must
come back unchanged from ``pyproject.toml``. Costs about 1 s per example.
"""

from __future__ import annotations

import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.layers import install_bundle
from generator.render import render_layer
from generator.validate import invalid_files

_TRICKY = ['"', "'", "\\", "\n", "\t", "🚀", '"""', "\\u0041", "{", "}", "#", ": ", "- ", "\x7f"]
_PIECE = st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from(_TRICKY)
ANSWER = (
    st.lists(_PIECE, min_size=1, max_size=20).map("".join).filter(lambda text: text.strip() != "")
)


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    description=ANSWER,
    author=ANSWER,
    sponsor=ANSWER,
    metric=ANSWER,
    sources=ANSWER,
    production=st.booleans(),
)
def test_any_answer_text_renders_a_project_that_parses(
    tmp_path_factory, description, author, sponsor, metric, sources, production
) -> None:
    project = tmp_path_factory.mktemp("p")
    data = {
        "project_name": "p",
        "stage": "building" if production else "prototyping",
        "description": description,
        "author_name": author,
        "executive_sponsor": sponsor,
        "success_metric": metric,
        "data_sources": sources,
    }
    for layer in ("poc", "production") if production else ("poc",):
        render_layer(install_bundle(layer), project, data)

    assert [problem.describe() for problem in invalid_files(project)] == []
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == description
