# title: Switch a dataset to a new generation
# description: Replace the control record in one request of two operations (remove the old record,
#   add the new one); ?asserted, ?inferred, ?fingerprint and ?stamp are bound by the caller (a VALUES
#   block opening each WHERE group). Two plain operations rather than one DELETE/INSERT with an
#   OPTIONAL: Virtuoso 7.2 inserts nothing when such an OPTIONAL finds no old record.
PREFIX store: <urn:gdprgraph:store#>
DELETE { GRAPH <urn:gdprgraph:control> { <urn:gdprgraph:current> ?p ?o } }
WHERE { GRAPH <urn:gdprgraph:control> { <urn:gdprgraph:current> ?p ?o } } ;
INSERT { GRAPH <urn:gdprgraph:control> {
  <urn:gdprgraph:current> store:asserted ?asserted ; store:inferred ?inferred ;
      store:fingerprint ?fingerprint ; store:stamp ?stamp .
} }
WHERE { }
