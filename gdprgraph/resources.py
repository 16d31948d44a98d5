"""Where the non-code files (ontology, shapes, rules, queries, data) live.

In a checkout they are the top-level folders of the repository; in an installed wheel the build
copies them into ``gdprgraph/_resources``. Every other module finds them through this one.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def root() -> Path:
    """The folder holding ontology/, queries/ and data/."""
    packaged = Path(str(files("gdprgraph"))) / "_resources"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent


def ontology_files() -> list[Path]:
    """The ontology and the DPV alignment, in load order."""
    base = root() / "ontology"
    return [base / "gdprgraph.ttl", base / "dpv-alignment.ttl", base / "assessments.ttl"]


def rule_files() -> list[Path]:
    """CONSTRUCT rules applied before OWL RL."""
    return sorted((root() / "ontology" / "rules").glob("*.rq"))


def shape_files() -> list[Path]:
    """SHACL shapes, one file per concern."""
    return sorted((root() / "ontology" / "shapes").glob("*.ttl"))


def jsonld_context() -> Path:
    """The fixed JSON-LD @context of `gdprgraph export graph --format jsonld`: our prefixes."""
    return root() / "ontology" / "context.jsonld"


def query_dir() -> Path:
    """The catalog of named queries."""
    return root() / "queries"


def data_dir() -> Path:
    """The embedded default data: reference, templates and one file per source document."""
    return root() / "data"


def default_data_files() -> list[Path]:
    """Reference data, templates, then the document files, in a stable order."""
    base = data_dir()
    return (
        sorted((base / "reference").glob("*.ttl"))
        + sorted((base / "templates").glob("*.ttl"))
        + sorted(base.glob("*.ttl"))
    )


def reference_files() -> list[Path]:
    """Reference data (countries, adequacy) and templates: read with any data, embedded or given."""
    base = data_dir()
    return sorted((base / "reference").glob("*.ttl")) + sorted((base / "templates").glob("*.ttl"))


def template_dir() -> Path:
    """HTML templates of the map and the audit report."""
    return root() / "viz" / "templates"


def internal_query(name: str) -> str:
    """The text of an internal query (``.rq``) or update (``.ru``) of queries/internal/."""
    base = root() / "queries" / "internal"
    for suffix in (".rq", ".ru"):
        path = base / f"{name}{suffix}"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(base / f"{name}.rq")


def owl_rl_rule_files() -> list[Path]:
    """The OWL 2 RL rules (CONSTRUCT queries) run inside a store, in their numbered order."""
    return sorted((root() / "ontology" / "rules" / "owl-rl").glob("*.rq"))
