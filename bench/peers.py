"""The physical floor and the peer engines that bench/run.py measures beside gdprgraph.

- **floor**: what the hardware and pyoxigraph need at least: parse and index the same files into an
  in-memory store, then scan it once (a count of every quad).
- **pyrudof** (``pip install pyrudof``): SHACL validation of the same data with the same shapes. It
  does not run SPARQL-based targets, so it checks fewer shapes than we do: its time is a bound, not
  a like-for-like figure.
- **reasonable** (``pip install reasonable``): an OWL 2 RL reasoner in Rust; its closure against ours.
- **Jena SHACL**: Apache Jena's ``shacl validate`` command, when a working Jena is on the machine
  (``JENA_CLASSPATH``, a Java classpath). Debian's libapache-jena-java 4.5 stops at start (its
  bundled XML Schema types fail to initialise), so it is reported as unavailable there.

Each function returns its figures, or ``{"unavailable": reason}``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path


def _ontology_files() -> list[Path]:
    from gdprgraph import resources

    return resources.ontology_files()


def _shapes_text() -> str:
    """Every shapes file of the project, as one Turtle text (the peers read one shapes graph)."""
    from gdprgraph import resources

    return "\n".join(p.read_text(encoding="utf-8") for p in resources.shape_files())


def floor(files: list[Path]) -> dict[str, object]:
    """Parse and index the files (and the ontology) into an in-memory Oxigraph store, then count
    every quad: the least any engine built on it pays before answering anything."""
    import pyoxigraph as ox

    started = time.perf_counter()
    store = ox.Store()
    for path in [*_ontology_files(), *files]:  # load, not bulk_load: the faster in memory
        store.load(path=str(path), format=ox.RdfFormat.from_extension(path.suffix.lstrip(".")))
    loaded = time.perf_counter()
    count = next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))
    scanned = time.perf_counter()
    return {
        "load": loaded - started,
        "scan": scanned - loaded,
        "seconds": scanned - started,
        "quads": int(count[0].value),
    }


def pyrudof_validate(files: list[Path]) -> dict[str, object]:
    """pyrudof's native SHACL engine on the data (and ontology) with our shapes."""
    try:
        import pyrudof
    except ImportError:
        return {"unavailable": "pyrudof is not installed (pip install pyrudof)"}
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    started = time.perf_counter()
    for path in [*_ontology_files(), *files]:
        fmt = pyrudof.RDFFormat.NTriples if path.suffix == ".nt" else pyrudof.RDFFormat.Turtle
        rudof.read_data(str(path), format=fmt)
    rudof.read_shacl(_shapes_text())
    loaded = time.perf_counter()
    rudof.validate_shacl()
    validated = time.perf_counter()
    return {"load": loaded - started, "seconds": validated - loaded}


def reasonable_closure(files: list[Path]) -> dict[str, object]:
    """reasonable's OWL 2 RL closure of the data and the ontology."""
    try:
        import reasonable
    except ImportError:
        return {"unavailable": "reasonable is not installed (pip install reasonable)"}
    reasoner = reasonable.PyReasoner()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for path in [*_ontology_files(), *files]:
            if path.suffix == ".nt":  # it reads Turtle (and N3) only; N-Triples is Turtle
                target = Path(tmp) / f"{path.stem}.ttl"
                target.symlink_to(path.resolve())
                path = target
            reasoner.load_file(str(path))
    loaded = time.perf_counter()
    triples = reasoner.reason()
    reasoned = time.perf_counter()
    return {"load": loaded - started, "seconds": reasoned - loaded, "triples": len(triples)}


def jena_validate(files: list[Path], limit: float) -> dict[str, object]:
    """Apache Jena's ``shacl validate`` on the data (one N-Triples file) with our shapes."""
    classpath = os.environ.get("JENA_CLASSPATH")
    if not classpath:
        return {"unavailable": "set JENA_CLASSPATH to a working Apache Jena (Debian's 4.5 package fails at start)"}
    import pyoxigraph as ox

    with tempfile.TemporaryDirectory() as tmp:
        data, shapes = Path(tmp) / "data.nt", Path(tmp) / "shapes.ttl"
        store = ox.Store()
        for path in [*_ontology_files(), *files]:
            store.bulk_load(path=str(path), format=ox.RdfFormat.from_extension(path.suffix.lstrip(".")))
        store.dump(str(data), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        shapes.write_text(_shapes_text(), encoding="utf-8")
        command = ["java", "-cp", classpath, "shacl.shacl", "validate", "--shapes", str(shapes), "--data", str(data)]
        started = time.perf_counter()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=limit)
        except subprocess.TimeoutExpired:
            return {"seconds": None}
        except OSError as err:
            return {"unavailable": f"java: {err}"}
        if done.returncode not in (0, 1):
            tail = (done.stderr.strip().splitlines() or ["?"])[-1]
            return {"unavailable": f"Jena failed: {tail[:120]}"}
        return {"seconds": time.perf_counter() - started}
