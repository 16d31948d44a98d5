# title: Release a lease
# description: Remove ?lease (bound by the caller) from the control graph.
PREFIX store: <urn:gdprgraph:store#>
DELETE { GRAPH <urn:gdprgraph:control> { ?lease ?p ?o } }
WHERE { GRAPH <urn:gdprgraph:control> { ?lease ?p ?o } }
