# title: Record the generation a lease is building
# description: ?lease builds the generation whose graphs start with ?building (bound by the caller),
#   so that store status shows it in progress and store gc keeps it.
PREFIX store: <urn:gdprgraph:store#>
INSERT { GRAPH <urn:gdprgraph:control> { ?lease store:building ?building } }
WHERE { GRAPH <urn:gdprgraph:control> { ?lease store:expiresAt ?at } }
