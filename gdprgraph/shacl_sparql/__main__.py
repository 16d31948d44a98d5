"""Print the compiled query of every constraint of the shapes: ``python -m gdprgraph.shacl_sparql``."""

from ..validate import shapes_graph
from .compiler import compile_shapes
from .runner import explain

print(explain(compile_shapes(shapes_graph())))
