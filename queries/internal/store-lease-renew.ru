# title: Renew a lease
# description: Move the expiry of ?lease to ?expiresAt (and ?expires), if it is still in the control
#   graph and no other lease is unexpired at ?now (a renewal a little late, with nobody else in
#   between, still holds); all bound by the caller.
PREFIX store: <urn:gdprgraph:store#>
DELETE { GRAPH <urn:gdprgraph:control> { ?lease store:expiresAt ?at ; store:expires ?old } }
INSERT { GRAPH <urn:gdprgraph:control> { ?lease store:expiresAt ?expiresAt ; store:expires ?expires } }
WHERE {
  GRAPH <urn:gdprgraph:control> { ?lease store:expiresAt ?at ; store:expires ?old }
  FILTER NOT EXISTS { GRAPH <urn:gdprgraph:control> {
    ?other a store:Lease ; store:expiresAt ?until .
    FILTER (?other != ?lease && ?until > ?now)
  } }
}
