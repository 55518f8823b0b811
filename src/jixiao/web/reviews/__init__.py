"""The finance bureau's review (复核) of a department's submitted self-evaluation (issue 12,
item 3; docs/decisions/0025-bureau-review.md)."""
