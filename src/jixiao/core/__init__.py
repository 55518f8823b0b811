"""The pure core: domain records, frameworks as data, and the evaluation.

Nothing here imports a web framework, a spreadsheet or Word library, or a file-format parser;
``lint-imports`` enforces that. Adapters (``jixiao.adapters``) turn files into these records.
"""
