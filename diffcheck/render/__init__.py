"""render: results → tables, JSON, JUnit, GitHub, Markdown, graph trees and progress; the only room that imports rich."""

import re

# Characters a terminal, a log viewer or an annotation would act on instead of showing: C0/C1 controls (BEL, ESC,
# CR ...; newline and tab excepted) and the bidirectional overrides that reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """User text as it can be shown: every control character escaped as Python writes it (BEL as `\\x07`)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
