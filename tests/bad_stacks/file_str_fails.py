# expect: {file}:8: Odd: <str() failed>
class Odd(Exception):
    """An exception whose message cannot be shown: still one line, no traceback."""

    def __str__(self):
        raise RuntimeError("no text")

raise Odd()
