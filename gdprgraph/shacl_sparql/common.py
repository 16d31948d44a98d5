"""What the modules of the compiled SHACL engine share: the error, the focus slot, text helpers, IRI names."""

from __future__ import annotations

import re
import textwrap

import rdflib
from rdflib import RDF, RDFS, XSD, BNode, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ..errors import GdprGraphError
from ..store.binding import term_text


class UnsupportedShapeError(GdprGraphError):
    """A shape uses a SHACL feature the compiled engine does not implement (use pyshacl, or extend it)."""

    def __init__(self, shape: str, feature: str) -> None:
        self.shape, self.feature = shape, feature
        super().__init__(
            f"shape {shape}: {feature} is not supported by the compiled SPARQL engine "
            "(gdprgraph.shacl_sparql); validate it with pyshacl or extend the compiler"
        )


#: Prefixes the generated parts of the queries may use besides the shapes' sh:declare.
STANDARD_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD)}

# A SHACL instance of a class: typed with the class or one of its subclasses (sh:targetClass, sh:class).
_INSTANCE_OF = "{node} rdf:type/rdfs:subClassOf* {cls} ."

# The slot of a query template where ``run`` puts the focus restriction (``VALUES ?this { ... }``).
FOCUS_SLOT = "\x00focus\x00"
FOCUS_LINE = re.compile(r"^([ ]*)\x00focus\x00\n", re.MULTILINE)
# The same, inside a line: right after the opening brace of a UNION branch (see union_wraps).
BRANCH_FOCUS_SLOT = "\x00branch-focus\x00"
# Around a restriction that exists on a run on some focus nodes only (see sideways_slots).
FOCUSED_OPEN, FOCUSED_CLOSE = "\x00focused\x00", "\x00/focused\x00"
_FOCUSED_ONLY = re.compile("\x00focused\x00.*?\x00/focused\x00", re.DOTALL)


def fill_branch_slots(template: str, values: str | None) -> str:
    """A template's in-line focus slots filled: with ``values`` (a one-line VALUES block) on a run on
    some focus nodes, keeping its focused-only restrictions; with nothing on a full run, dropping them."""
    if values is None:
        return _FOCUSED_ONLY.sub("", template).replace(BRANCH_FOCUS_SLOT, "")
    return template.replace(FOCUSED_OPEN, "").replace(FOCUSED_CLOSE, "").replace(BRANCH_FOCUS_SLOT, values)


# -- text helpers ------------------------------------------------------------------------------------------


def indent_text(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else line for line in text.split("\n"))


def dedent_group(text: str) -> str:
    """A group's inside, dedented (a first line written on the brace's line keeps the rest under it)."""
    inline = not text.lstrip(" \t").startswith("\n")
    lines = textwrap.dedent(text.strip("\n")).rstrip().split("\n")
    if inline and len(lines) > 1:
        rest = indent_text(textwrap.dedent("\n".join(lines[1:])), 2)
        lines = [lines[0].strip(), *rest.split("\n")]
    return "\n".join(line.rstrip() for line in lines).strip()


class Names:
    """Compact names for IRIs in the generated SPARQL, remembering the prefixes they need."""

    _LOCAL = re.compile(r"^[A-Za-z_][\w-]*$")

    def __init__(self, shapes: rdflib.Graph | None) -> None:
        self.by_namespace: dict[str, str] = {}
        for name, namespace in STANDARD_PREFIXES.items():
            self.by_namespace[namespace] = name
        if shapes is not None:
            for node in shapes.objects(None, SH.declare):
                prefix, declared = shapes.value(node, SH.prefix), shapes.value(node, SH.namespace)
                if prefix is not None and declared is not None:
                    self.by_namespace.setdefault(str(declared), str(prefix))
            for name, namespace in shapes.namespaces():
                if name and str(namespace) not in self.by_namespace:
                    self.by_namespace[str(namespace)] = name
        taken: dict[str, str] = {}
        for namespace, name in list(self.by_namespace.items()):
            if name in taken:
                del self.by_namespace[namespace]
            else:
                taken[name] = namespace
        self.used: dict[str, str] = {}

    def _split(self, iri: Node) -> tuple[str, str] | None:
        text = str(iri)
        for namespace, name in self.by_namespace.items():
            if text.startswith(namespace) and self._LOCAL.match(text[len(namespace) :]):
                return name, text[len(namespace) :]
        return None

    def term(self, node: Node) -> str:
        """The node as SPARQL text: a prefixed name when possible (the prefix is recorded)."""
        if isinstance(node, URIRef):
            split = self._split(node)
            if split:
                name, local = split
                namespace = str(node)[: -len(local)]
                self.used[name] = namespace
                return f"{name}:{local}"
            return term_text(node)
        if isinstance(node, Literal):
            return node.n3()
        raise UnsupportedShapeError(str(node), "a blank node as a constant in a constraint")

    def instance_of(self, var: str, cls: Node) -> str:
        """The pattern: the node in ``var`` is a SHACL instance of the class."""
        self.require("rdf", "rdfs")
        return _INSTANCE_OF.format(node=var, cls=self.term(cls))

    def require(self, *names: str) -> None:
        """Record standard prefixes a fixed fragment uses."""
        for name in names:
            self.used[name] = STANDARD_PREFIXES[name]

    def short(self, node: Node | None) -> str:
        """A readable name for messages and comments."""
        if isinstance(node, URIRef):
            split = self._split(node)
            return f"{split[0]}:{split[1]}" if split else f"<{node}>"
        return f"_:{node}" if isinstance(node, BNode) else str(node)
