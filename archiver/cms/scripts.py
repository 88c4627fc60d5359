"""Text that a page writes with a script: keep it where the reader sees it.

Some templates (TRS WCM among them) print fields with JavaScript: `发布时间：<script>var
pubdata='2018年02月13日'; if(pubdata!=''){document.write(pubdata);}</script>`. Scripts are dropped
before a page is read, and the date would go with them. A script that only writes a string
literal held in a variable (or the literal itself) is replaced by that text; scripts that build
markup or compute anything are left alone (they are dropped as usual).
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

_VARIABLE = re.compile(r"""var\s+(\w+)\s*=\s*(['"])([^'"<>\\]*)\2""")
_WRITE = re.compile(r"""document\.write(?:ln)?\(\s*(?:(\w+)|(['"])([^'"<>\\]*)\2)\s*\)""")


def inline_written_strings(doc: HtmlElement) -> None:
    """Replace each script that writes one plain string with the string, as text."""
    for script in list(doc.iter("script")):
        text = written_string(script.text or "")
        parent = script.getparent()
        if text is None or parent is None:
            continue
        _replace_with_text(script, parent, text)


def written_string(source: str) -> str | None:
    """The string a script writes, if it writes exactly one plain (markup-free) string."""
    writes = _WRITE.findall(source)
    if len(writes) != 1:
        return None
    name, _, literal = writes[0]
    if not name:
        return literal
    values = {var: value for var, _, value in _VARIABLE.findall(source)}
    return values.get(name)


def _replace_with_text(script: HtmlElement, parent: HtmlElement, text: str) -> None:
    joined = text + (script.tail or "")
    previous = script.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + joined
    else:
        parent.text = (parent.text or "") + joined
    parent.remove(script)
