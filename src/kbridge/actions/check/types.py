"""Canonical C type spellings for comparing declarations across kernels (check's TypeCanon)."""

from __future__ import annotations

from collections.abc import Callable

from kbridge.actions.check.checker import _norm


_SIZED = {"signed": "signed", "unsigned": "unsigned", "short": "short", "long": "long", "int": "int",
          "char": "char"}


def _canon_words(words: list[str]) -> str:
    """"long unsigned int" and "unsigned long" are one type to gcc."""
    ws = [w for w in words if w != "signed" or "char" in words]
    if "int" in ws and any(w in ws for w in ("short", "long", "unsigned")):
        ws = [w for w in ws if w != "int"]
    order = {"unsigned": 0, "short": 1, "long": 2, "char": 3, "int": 4}
    return " ".join(sorted(ws, key=lambda w: (order.get(w, 9), w)))


class TypeCanon:
    """Canonical spelling of a C type on one kernel: typedefs resolved through the index
    (``fmode_t`` and ``blk_mode_t`` are both ``unsigned int`` to gcc), parameter names
    dropped, ``unsigned long`` = ``long unsigned int``. Parsed with tree-sitter."""

    def __init__(self, typedef: Callable[[str], str | None]):
        self.typedef = typedef
        self.cache: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if text not in self.cache:
            self.cache[text] = self._canon_text(text, 0)
        return self.cache[text]

    def _canon_text(self, text: str, depth: int) -> str:
        from kbridge.facts.cparse import thread_parser
        from kbridge.facts.scan import close_open_literals
        src = close_open_literals(f"void __kb(void) {{ ({text})0; }}".encode())
        tree = thread_parser().parse(src)
        node = tree.root_node
        desc = None
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type == "type_descriptor":
                desc = n
                break
            stack.extend(reversed(n.named_children))
        if desc is None or desc.has_error:
            return _norm(text)
        return self._canon_decl(src, desc, depth)

    def _base(self, src: bytes, node, depth: int) -> str:
        t = node.type
        txt = src[node.start_byte:node.end_byte].decode("utf-8", "replace")
        if t in ("struct_specifier", "union_specifier", "enum_specifier"):
            name = node.child_by_field_name("name")
            kw = t.split("_")[0]
            if kw == "enum":
                return "int"
            return f"{kw} {src[name.start_byte:name.end_byte].decode()}" if name is not None else kw
        if t == "sized_type_specifier":
            return _canon_words(txt.split())
        if t == "type_identifier" and depth < 8:
            under = self.typedef(txt)
            if under is not None and under != txt:
                return self._canon_text(under, depth + 1)
        return " ".join(txt.split())

    def _canon_decl(self, src: bytes, node, depth: int) -> str:
        quals = sorted(src[c.start_byte:c.end_byte].decode() for c in node.named_children
                       if c.type == "type_qualifier" and src[c.start_byte:c.end_byte] in (b"const", b"volatile"))
        tnode = node.child_by_field_name("type")
        base = self._base(src, tnode, depth) if tnode is not None else "?"
        out = " ".join(quals + [base])
        d = node.child_by_field_name("declarator")
        return out + self._canon_declarator(src, d, depth)

    def _canon_declarator(self, src: bytes, d, depth: int) -> str:
        if d is None:
            return ""
        t = d.type
        if t in ("identifier", "field_identifier", "type_identifier"):
            return ""
        if t in ("pointer_declarator", "abstract_pointer_declarator"):
            quals = [src[c.start_byte:c.end_byte].decode() for c in d.named_children
                     if c.type == "type_qualifier" and src[c.start_byte:c.end_byte] == b"const"]
            inner = d.child_by_field_name("declarator")
            return " *" + "".join(" " + q for q in quals) + self._canon_declarator(src, inner, depth)
        if t in ("array_declarator", "abstract_array_declarator"):
            return " []" + self._canon_declarator(src, d.child_by_field_name("declarator"), depth)
        if t in ("function_declarator", "abstract_function_declarator"):
            params = d.child_by_field_name("parameters")
            ps = []
            if params is not None:
                for p in params.named_children:
                    if p.type == "parameter_declaration":
                        ps.append(self._canon_decl(src, p, depth))
                    elif p.type == "variadic_parameter":
                        ps.append("...")
            if ps == ["void"]:
                ps = []
            return " (" + self._canon_declarator(src, d.child_by_field_name("declarator"), depth) \
                + ")(" + ", ".join(ps) + ")"
        if t in ("parenthesized_declarator", "abstract_parenthesized_declarator"):
            inner = [c for c in d.named_children if "declarator" in c.type or c.type == "identifier"]
            return self._canon_declarator(src, inner[0], depth) if inner else ""
        return ""
