# title: Take the lease of a dataset
# description: Add our lease only if no unexpired lease is in the control graph (one update);
#   the caller reads the leases back to confirm it holds the only one. Every variable but ?other and
#   ?until is bound by the caller (a VALUES block); ?now and ?expiresAt are seconds since the epoch.
PREFIX store: <urn:gdprgraph:store#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
INSERT { GRAPH <urn:gdprgraph:control> {
  ?lease a store:Lease ; store:token ?token ; store:host ?host ; store:pid ?pid ; store:machine ?machine ;
      store:purpose ?purpose ; store:startedAt ?startedAt ; store:expiresAt ?expiresAt ;
      store:started ?started ; store:expires ?expires .
} }
WHERE {
  FILTER NOT EXISTS { GRAPH <urn:gdprgraph:control> {
    ?other a store:Lease ; store:expiresAt ?until .
    FILTER (?until > ?now)
  } }
}
