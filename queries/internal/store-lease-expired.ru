# title: Remove expired leases
# description: Every lease whose expiry (?expiresAt, seconds since the epoch) is not after ?now, bound
#   by the caller.
PREFIX store: <urn:gdprgraph:store#>
DELETE { GRAPH <urn:gdprgraph:control> { ?lease ?p ?o } }
WHERE {
  GRAPH <urn:gdprgraph:control> { ?lease a store:Lease ; store:expiresAt ?at ; ?p ?o }
  FILTER (?at <= ?now)
}
