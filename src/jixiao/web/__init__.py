"""The web application (Django): a department's divisions, finance office and leaders work in it
together. Apps are thin: they load rows, call the core, and store results and an audit event in
one transaction. See docs/decisions/0008-web-application.md."""
