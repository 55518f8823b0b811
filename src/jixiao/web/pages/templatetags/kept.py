"""``{% kept name key… %}…{% endkept %}``: a fragment of a page rendered once per key and kept
(:func:`jixiao.web.results.store.kept`) — like Django's ``{% cache %}``, but when several
requests miss the same fragment at once (every reader after a change), one renders it and the
others wait for it instead of each rendering it again. The keys must name the stored result's
version and everything else the fragment varies with (the user's sight, the language)."""

from __future__ import annotations

import hashlib

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context

from jixiao.web.results.store import kept

register = template.Library()


class KeptNode(template.Node):
    def __init__(self, nodelist: NodeList, name: str, keys: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.name = name
        self.keys = keys

    def render(self, context: Context) -> str:
        parts = "\0".join(str(key.resolve(context)) for key in self.keys)
        key = f"fragment:{self.name}:{hashlib.sha256(parts.encode()).hexdigest()}"
        return kept(key, lambda: self.nodelist.render(context))


@register.tag("kept")
def do_kept(parser: Parser, token: Token) -> KeptNode:
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError("{% kept %} needs a name and at least one key")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, bits[1], [parser.compile_filter(bit) for bit in bits[2:]])
