"""gdprgraph: a knowledge graph of services, personal data, sub-processors and transfers.

Import what a notebook needs from here::

    from gdprgraph import Workspace
    ws = Workspace()                       # ontology + embedded data/
    ws.run("services-using", {"org": "Platform.sh"}).rows
"""

from .describe import describe
from .errors import AmbiguousNameError, GdprGraphError, InputError, NoMatchError
from .load import load
from .reason import infer
from .store import KnowledgeGraph
from .workspace import Workspace

__all__ = [
    "AmbiguousNameError",
    "GdprGraphError",
    "InputError",
    "KnowledgeGraph",
    "NoMatchError",
    "Workspace",
    "describe",
    "infer",
    "load",
]
__version__ = "0.1.0"
