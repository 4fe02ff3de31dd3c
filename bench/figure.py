"""One benchmark figure as bench/run.sh prints it: the value, then its target and OK or MISSED,
or that it has none, so every figure line reads (and greps) the same way."""


def line(text, target=None, ok=None):
    """`text (target T): OK|MISSED`, or `text (no target)`."""
    if target is None:
        return f"{text} (no target)"
    return f"{text} (target {target}): {'OK' if ok else 'MISSED'}"


def show(text, target=None, ok=None):
    print(line(text, target, ok), flush=True)
