"""The layout issue 12 asks for, checked on every run: no module of srcscan over 500 lines
(test_process_kinds checks that no analysis module imports the parser)."""

from pathlib import Path

SRCSCAN = Path(__file__).parent.parent.parent / "srcscan"


def test_no_module_is_over_500_lines():
    long = {str(p.relative_to(SRCSCAN)): n for p in SRCSCAN.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert not long, f"modules over 500 lines: {long}"
