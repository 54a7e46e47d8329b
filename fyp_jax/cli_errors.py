"""How every command line reports a user error: one line on stderr, exit status 1, no traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from fyp_jax.errors import FypError, Interrupted


def exit_on_user_error(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; a ``FypError`` becomes ``error: <message>`` and ``sys.exit(1)``."""
    try:
        return fn(*args, **kwargs)
    except FypError as e:
        first, *detail = str(e).split("\n")
        print(f"error: {first}", file=sys.stderr)
        if detail:
            print("\n".join(detail), file=sys.stderr)
        sys.exit(1)
    except Interrupted as e:
        print(str(e), file=sys.stderr)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
