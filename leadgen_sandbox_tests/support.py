"""What the sandbox's tests share."""

# A known query of the data set: 75 plumbers, more than the 60 Places returns.
PLUMBERS_AUSTIN = "plumber in Austin, TX"
