"""Product bugs these tests found, and how a test recognises each one.

Each test that found a bug checks for that bug's exact signature and raises
`ProductBug` naming the finding, so a failure says "finding N is back" rather
than only "something differs". While a bug was open its test was marked
`xfail(strict=True, raises=ProductBug)`; all seven were fixed in 511daa6 and
the markers removed, so these are now plain regression tests. The findings
are described in docs/reliability.md.
"""


class ProductBug(AssertionError):
    """The signature of a product bug these tests found was seen again."""

    def __init__(self, finding: int, detail: str) -> None:
        super().__init__(f"finding {finding} of docs/reliability.md is back: {detail}")
        self.finding = finding
