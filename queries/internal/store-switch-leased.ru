# title: Switch a dataset to a new generation, under a lease
# description: As store-switch, each operation only if ?lease has not expired at ?now and no other
#   unexpired lease exists: a build that lost its lease publishes nothing. ?asserted, ?inferred,
#   ?fingerprint, ?stamp, ?lease and ?now are bound by the caller (a VALUES block opening each WHERE
#   group); the caller reads the control record back to confirm the switch.
PREFIX store: <urn:gdprgraph:store#>
DELETE { GRAPH <urn:gdprgraph:control> { <urn:gdprgraph:current> ?p ?o } }
WHERE {
  GRAPH <urn:gdprgraph:control> { <urn:gdprgraph:current> ?p ?o . ?lease store:expiresAt ?until }
  FILTER (?until > ?now)
  FILTER NOT EXISTS { GRAPH <urn:gdprgraph:control> {
    ?other a store:Lease ; store:expiresAt ?otherUntil .
    FILTER (?other != ?lease && ?otherUntil > ?now)
  } }
} ;
INSERT { GRAPH <urn:gdprgraph:control> {
  <urn:gdprgraph:current> store:asserted ?asserted ; store:inferred ?inferred ;
      store:fingerprint ?fingerprint ; store:stamp ?stamp .
} }
WHERE {
  GRAPH <urn:gdprgraph:control> { ?lease store:expiresAt ?until }
  FILTER (?until > ?now)
  FILTER NOT EXISTS { GRAPH <urn:gdprgraph:control> {
    ?other a store:Lease ; store:expiresAt ?otherUntil .
    FILTER (?other != ?lease && ?otherUntil > ?now)
  } }
}
