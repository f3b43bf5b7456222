"""A notice as the live stream and webhooks send it: one line for every reader of lines."""

import json

from notifier.channels.notices import encode


def test_a_notice_is_one_line_whatever_separators_its_text_holds() -> None:
    value = {"summary": "Line\u2028and paragraph\u2029separators, é, \\u2028 as written"}
    text = encode(value)
    assert text.splitlines() == [text]  # what str.splitlines and some SSE readers split on
    assert json.loads(text) == value
