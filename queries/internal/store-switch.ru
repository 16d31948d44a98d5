# title: Switch a dataset to a new generation
# description: Replace the control record in one update; ?asserted, ?inferred, ?fingerprint and
#   ?stamp are bound by the caller (a VALUES block).
PREFIX store: <urn:gdprgraph:store#>
DELETE { GRAPH <urn:gdprgraph:control> { <urn:gdprgraph:current> ?p ?o } }
INSERT { GRAPH <urn:gdprgraph:control> {
  <urn:gdprgraph:current> store:asserted ?asserted ; store:inferred ?inferred ;
      store:fingerprint ?fingerprint ; store:stamp ?stamp .
} }
WHERE {
  OPTIONAL { GRAPH <urn:gdprgraph:control> { <urn:gdprgraph:current> ?p ?o } }
}
