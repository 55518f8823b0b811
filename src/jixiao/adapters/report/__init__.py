"""The self-evaluation report: content built from data, laid out as Word, HTML or PDF."""
