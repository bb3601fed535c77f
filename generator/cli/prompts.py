"""Interactive prompts with questionary: arrow-key choices, answers validated as you type.

:class:`TerminalPrompter` implements :class:`generator.plan.Prompter`. Tests drive it
through prompt_toolkit's pipe input (``input``/``output`` are handed to questionary).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from generator.errors import UsageError
from generator.questionnaire import Question

NON_INTERACTIVE_HINT = (
    "no terminal to ask questions in: run non-interactively with --defaults "
    "(answers from --stage, --data KEY=VALUE, --answers-file; defaults for the rest)"
)


def is_interactive() -> bool:
    """Whether stdin and stdout are a terminal (questionary needs one)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


class TerminalPrompter:
    """Asks with questionary; Ctrl-C or Ctrl-D stops the command (click.Abort, exit 1)."""

    def __init__(self, input: Any = None, output: Any = None) -> None:
        self._io = {k: v for k, v in {"input": input, "output": output}.items() if v is not None}

    def _ask(self, prompt: Any) -> Any:
        try:
            answer = prompt.ask(kbi_msg="")
        except EOFError as error:  # the input ended (Ctrl-D, a closed pipe)
            raise click.Abort() from error
        if answer is None:
            raise click.Abort()
        return answer

    def choose(self, message: str, choices: Sequence[tuple[str, Any]], default: Any) -> Any:
        """One of ``choices`` (``(label, value)`` pairs) by arrow keys and Enter; its value."""
        import questionary

        options = [questionary.Choice(title=label, value=value) for label, value in choices]
        chosen = next((option for option in options if option.value == default), None)
        return self._ask(questionary.select(message, choices=options, default=chosen, **self._io))

    def stage(self, question: Question, default: str) -> str:
        """Ask the stage with each choice's one-line summary (arrow keys, Enter)."""
        return str(
            self.choose("Where does your team stand on the ML journey?", question.choices, default)
        )

    def answer(self, question: Question, default: Any, validate: Callable[[Any], Any]) -> Any:
        """Ask ``question`` as copier.yml declares it; ``validate`` runs on every keystroke."""
        import questionary

        if question.is_bool:
            return bool(
                self._ask(questionary.confirm(question.help, default=bool(default), **self._io))
            )
        if question.choices:
            return validate(self.choose(question.help, question.choices, default))

        def check(text: str) -> bool | str:
            try:
                validate(text)
            except UsageError as error:
                return str(error)
            return True

        text = self._ask(
            questionary.text(
                question.help,
                default="" if default is None else str(default),
                validate=check,
                **self._io,
            )
        )
        return validate(text)

    def confirm(self, prompt: str, default: bool) -> bool:
        """A yes/no question of mljourney's own."""
        import questionary

        return bool(self._ask(questionary.confirm(prompt, default=default, **self._io)))


def make_prompter() -> TerminalPrompter:
    """The prompter `new` asks with (tests replace this to script a terminal)."""
    return TerminalPrompter()
