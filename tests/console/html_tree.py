"""A small DOM from the standard library's HTMLParser, to read a page's content back by structure
(sections, tables, rows, cells, the text of one language) rather than by matching its markup."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
LANG_CLASS = {"ru": "l-en", "en": "l-ru"}  # the class of the text hidden when a language is shown


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        """Every descendant with that tag, class and attributes (`data_file="x"` matches data-file)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if (
                    (tag is None or child.tag == tag)
                    and (cls is None or cls in child.classes)
                    and all(child.attrs.get(k) == v for k, v in wanted.items())
                ):
                    found.append(child)
                found.extend(child.find_all(tag, cls, **attrs))
        return found

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag} class={cls} {attrs}> in <{self.tag} {self.attrs}>"
        return found[0]

    def text(self, lang: str | None = None) -> str:
        """The text content, spaces and line breaks collapsed; with `lang`, without the other language's spans."""
        return re.sub(r"[ \t\r\n\f]+", " ", "".join(self._texts(lang))).strip(" ")  # a no-break space stays

    def _texts(self, lang: str | None) -> list[str]:
        out: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                out.append(child)
            elif lang is None or LANG_CLASS[lang] not in child.classes:
                apart = child.tag in {"br", "p", "li", "td", "th", "div", "span", "code", "pre"}
                out.extend([" ", *child._texts(lang), " "] if apart else child._texts(lang))
        return out

    def rows(self, lang: str | None = None) -> list[dict[str, str]]:
        """A table's body rows: data-field -> the cell's text."""
        return [
            {td.attrs["data-field"]: td.text(lang) for td in tr.children_named("td") if "data-field" in td.attrs}
            for tr in self.find("tbody").children_named("tr")
        ]

    def children_named(self, tag: str) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and c.tag == tag]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root
