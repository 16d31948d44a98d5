"""Your own questions: ``gdprgraph query --file FILE.rq`` (and ``Workspace.run_file``), and
``gdprgraph show NAME --format json``, on the seed graph."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import rdflib
from rdflib import URIRef

from gdprgraph import InputError, NoMatchError, Workspace, queries
from gdprgraph.cli import main
from gdprgraph.store.binding import inline_values

ADHOC = Path(__file__).resolve().parent / "fixtures" / "queries" / "adhoc"
SERVICES_OF_ORG = ADHOC / "services-of-org.rq"
GG = "https://w3id.org/gdprgraph/ontology#"
FWP = "https://w3id.org/gdprgraph/service/flexible-web-platform"
FWPUB = "https://w3id.org/gdprgraph/service/hebergement-mutualise-flexible-web-publisher"
PLATFORM_SH = "https://w3id.org/gdprgraph/org/platform-sh"
FWP_DOC = "flexible-web-platform.art28.en.txt"
FWPUB_DOC = "hebergement-mutualise-flexible-web-publisher.art28.fr.txt"
PLATFORM_SH_ROWS = [
    (FWP, "Flexible Web Platform", FWP_DOC, 66),
    (FWPUB, "Hébergement Mutualisé, version Flexible Web Publisher", FWPUB_DOC, 212),
]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def rows_of(answer) -> list[tuple]:
    return [(str(r["service"]), str(r["serviceName"]), str(r["document"]), int(r["line"])) for r in answer.rows]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- reading the file: header, form, refusals ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("services-of-org", "SELECT"),
        ("services-of-org-inferred", "SELECT"),
        ("engages", "ASK"),
        ("uses-graph", "CONSTRUCT"),
        ("insert-in-literal", "SELECT"),
    ],
)
def test_the_form_is_read_by_the_parser(name, form):
    assert queries.from_file(ADHOC / f"{name}.rq").form == form


def test_the_header_is_read_as_for_the_catalog():
    query = queries.from_file(SERVICES_OF_ORG)
    assert query.title == "Services of an organisation"
    assert [(p.name, p.kind, p.optional) for p in query.parameters] == [("org", "organisation", False)]
    assert query.inference == "none"
    assert queries.from_file(ADHOC / "services-of-org-inferred.rq").inference == "owlrl"


@pytest.mark.parametrize(
    "update",
    [
        "DELETE WHERE { ?s ?p ?o }",
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE DATA { <urn:a> <urn:b> <urn:c> }",
        "PREFIX gg: <https://w3id.org/gdprgraph/ontology#>\n"
        "DELETE { ?s gg:about ?o } INSERT { ?s gg:x ?o } WHERE { ?s gg:about ?o }",
        "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/data.ttl>",
        "CLEAR ALL",
        "DROP ALL",
        "CREATE GRAPH <urn:g>",
        "ADD DEFAULT TO <urn:g>",
        "MOVE DEFAULT TO <urn:g>",
        "COPY DEFAULT TO <urn:g>",
        "# a comment first\nINSERT DATA { <urn:a> <urn:b> 'SELECT * WHERE { ?s ?p ?o }' } ; DROP ALL",
    ],
)
def test_every_update_is_refused_and_the_graph_is_unchanged(seed, tmp_path, update):
    path = write(tmp_path, "update.rq", update + "\n")
    before = len(seed.asserted)
    with pytest.raises(InputError) as info:
        seed.run_file(path)
    assert str(info.value) == f"{path}: {queries.UPDATES_REFUSED}"
    assert len(seed.asserted) == before


def test_delete_where_through_the_cli_exits_2_with_one_line_naming_the_file(seed, capsys):
    before = len(seed.asserted)
    path = ADHOC / "delete-where.rq"
    for store in ("oxigraph", "memory"):
        code, out, err = run_cli(capsys, "query", "--file", path, "--store", store)
        assert (code, out) == (2, "")
        assert one_line(err) == (
            f"gdprgraph: error: {path}: updates are refused: "
            "gdprgraph query runs SELECT, ASK, CONSTRUCT and DESCRIBE queries"
        )
    with pytest.raises(InputError):
        seed.run_file(path)
    assert len(seed.asserted) == before
    assert (URIRef(FWP), None, None) in seed.asserted


def test_a_federated_query_is_refused_before_anything_is_called(seed, capsys):
    path = ADHOC / "federated.rq"
    with pytest.raises(InputError) as info:
        seed.run_file(path)
    assert str(info.value) == f"{path}: {queries.SERVICE_REFUSED}"
    code, out, err = run_cli(capsys, "query", "--file", path)
    assert (code, out) == (2, "") and "SERVICE is refused" in one_line(err)


def test_keywords_in_strings_and_comments_are_not_syntax(seed, seed_memory, capsys):
    path = ADHOC / "insert-in-literal.rq"
    note = "INSERT DATA { <urn:x> <urn:y> <urn:z> } ; DELETE WHERE { ?s ?p ?o }"
    for ws in (seed, seed_memory):  # the comment's "WHERE {" does not receive the bound parameter
        answer = ws.run_file(path, {"service": "Flexible Contact Center"})
        assert [(str(r["serviceName"]), str(r["note"])) for r in answer.rows] == [("Flexible Contact Center", note)]
    code, out, _ = run_cli(
        capsys, "query", "--file", path, "--param", "service=flexible contact center", "--format", "csv"
    )
    assert code == 0
    assert out.splitlines() == ["serviceName,note", f"Flexible Contact Center,{note}"]


def test_bound_values_go_into_the_where_group_not_into_strings_or_comments():
    bound = {"x": URIRef("urn:x")}
    text = '# WHERE { here?\nSELECT ?where ("WHERE {" AS ?w) { ?where ?p ?x }'
    assert (
        inline_values(text, bound)
        == '# WHERE { here?\nSELECT ?where ("WHERE {" AS ?w) { VALUES (?x) { (<urn:x>) }  ?where ?p ?x }'
    )
    text = "PREFIX a: <http://x/a#b>\nASK { ?s ?p ?x FILTER(?x < 3 && ?p > 2) }"
    assert (
        inline_values(text, bound)
        == "PREFIX a: <http://x/a#b>\nASK { VALUES (?x) { (<urn:x>) }  ?s ?p ?x FILTER(?x < 3 && ?p > 2) }"
    )


def test_a_syntax_error_names_the_file_and_its_line(capsys):
    path = ADHOC / "syntax-error.rq"
    code, out, err = run_cli(capsys, "query", "--file", path)
    assert (code, out) == (2, "")
    assert one_line(err).startswith(f"gdprgraph: error: {path}:7: SPARQL syntax error: ")
    assert "'FOO'" in err


def test_an_undeclared_prefix_is_one_line_on_every_store(tmp_path, capsys):
    path = write(tmp_path, "prefix.rq", "SELECT * WHERE {\n  ?s foo:bar ?o\n}\n")
    for store in ("oxigraph", "memory"):
        code, out, err = run_cli(capsys, "query", "--file", path, "--store", store)
        assert (code, out) == (2, "")
        assert one_line(err).startswith(f"gdprgraph: error: {path}")
        assert "prefix" in err.lower()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"SELECT * WHERE { ?s ?p ?o }\x00\x01\x02", "not a text file"),
        (b"# title: caf\xe9\nSELECT * WHERE { ?s ?p ?o }\n", ":1: not UTF-8 text"),
        (b"# only a comment\n", "no SPARQL query in the file"),
        (b"", "no SPARQL query in the file"),
        (
            b"# param: org : colour : a kind that does not exist\nSELECT * WHERE { ?s ?p ?org }\n",
            "unknown kind 'colour'",
        ),
        (
            b"# param: my-org : organisation : not a variable name\nSELECT * WHERE { ?s ?p ?o }\n",
            "is not a SPARQL variable name",
        ),
        (b"# inference: rdfs\nSELECT * WHERE { ?s ?p ?o }\n", "'# inference: rdfs'"),
    ],
)
def test_a_bad_file_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "bad.rq"
    path.write_bytes(content)
    code, out, err = run_cli(capsys, "query", "--file", path)
    assert (code, out) == (2, "")
    assert one_line(err).startswith(f"gdprgraph: error: {path}")
    assert message in err


def test_a_missing_file_or_a_folder_is_one_line_and_exit_2(tmp_path, capsys):
    for path, message in ((tmp_path / "nope.rq", "no such file"), (tmp_path, "a folder")):
        code, out, err = run_cli(capsys, "query", "--file", path)
        assert (code, out) == (2, "")
        assert one_line(err) == f"gdprgraph: error: {path}: {message}" + (
            ", not a query file" if path == tmp_path else ""
        )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_one_line_and_exit_2(tmp_path, capsys):
    path = write(tmp_path, "secret.rq", "ASK { ?s ?p ?o }\n")
    path.chmod(0)
    try:
        code, out, err = run_cli(capsys, "query", "--file", path)
    finally:
        path.chmod(0o644)
    assert (code, out) == (2, "")
    assert one_line(err).startswith(f"gdprgraph: error: {path}: cannot read")


def test_a_file_and_a_name_together_are_a_usage_error(capsys):
    code, out, err = run_cli(capsys, "query", "services-using", "--file", SERVICES_OF_ORG, "--param", "org=platform.sh")
    assert (code, out) == (2, "")
    assert "NAME or --file" in one_line(err)


# -- parameters -----------------------------------------------------------------------------------


def test_a_parameter_the_header_does_not_declare_lists_the_declared_ones(capsys):
    code, out, err = run_cli(capsys, "query", "--file", SERVICES_OF_ORG, "--param", "organisation=Platform.sh")
    assert (code, out) == (2, "")
    assert one_line(err).endswith("has no parameter organisation; its parameters: org")
    assert str(SERVICES_OF_ORG) in err


def test_a_missing_parameter_is_a_usage_error(capsys):
    code, _, err = run_cli(capsys, "query", "--file", SERVICES_OF_ORG)
    assert code == 2 and "needs --param org=..." in one_line(err)


def test_sparql_syntax_in_a_parameter_is_only_a_name(seed, capsys):
    value = 'x" } ; DROP ALL ; INSERT DATA { <urn:a> <urn:b> <urn:c> } #'
    before = len(seed.asserted)
    with pytest.raises(NoMatchError):
        seed.run_file(SERVICES_OF_ORG, {"org": value})
    code, out, err = run_cli(capsys, "query", "--file", SERVICES_OF_ORG, "--param", f"org={value}")
    assert (code, out) == (1, "")
    assert "no organisation named" in one_line(err)
    assert len(seed.asserted) == before


# -- SELECT -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Platform.sh", "platform.sh", "PLATFORM SH SAS"])
def test_select_binds_names_as_users_type_them(seed, name):
    answer = seed.run_file(SERVICES_OF_ORG, {"org": name})
    assert answer.form == "SELECT" and answer.found
    assert answer.columns == ["service", "serviceName", "document", "line"]
    assert rows_of(answer) == PLATFORM_SH_ROWS


def test_select_gives_the_same_rows_on_the_memory_store(seed, seed_memory, capsys):
    assert rows_of(seed_memory.run_file(SERVICES_OF_ORG, {"org": "Platform.sh"})) == PLATFORM_SH_ROWS
    outputs = [
        run_cli(capsys, "query", "--file", SERVICES_OF_ORG, "--param", "org=Platform.sh", "--format", "csv", *store)
        for store in ([], ["--store", "memory"])
    ]
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 0


def test_select_csv_and_json(capsys):
    code, out, _ = run_cli(capsys, "query", "--file", SERVICES_OF_ORG, "--param", "org=Platform.sh", "--format", "csv")
    assert code == 0
    assert out.splitlines() == [
        "service,serviceName,document,line",
        f"ggs:flexible-web-platform,Flexible Web Platform,{FWP_DOC},66",
        f'ggs:hebergement-mutualise-flexible-web-publisher,"Hébergement Mutualisé, version Flexible Web Publisher",'
        f"{FWPUB_DOC},212",
    ]
    code, out, _ = run_cli(capsys, "query", "--file", SERVICES_OF_ORG, "--param", "org=Platform.sh", "--format", "json")
    assert code == 0
    answer = json.loads(out)
    assert answer["columns"] == ["service", "serviceName", "document", "line"]
    assert [(r["service"], r["serviceName"], r["document"], r["line"]) for r in answer["rows"]] == PLATFORM_SH_ROWS


def test_select_table_and_columns(capsys):
    code, out, _ = run_cli(
        capsys, "query", "--file", SERVICES_OF_ORG, "--param", "org=Platform.sh", "--columns", "serviceName,line"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["serviceName", "line"]
    assert lines[2].split() == ["Flexible", "Web", "Platform", "66"]
    assert lines[-1] == "(2 rows)"


def test_select_without_rows_exits_1(capsys):
    # the processor engages sub-processors, and is none itself
    code, out, err = run_cli(capsys, "query", "--file", SERVICES_OF_ORG, "--param", "org=Orange Business Services")
    assert code == 1 and "(0 rows)" in out and f"{SERVICES_OF_ORG}: no rows" in err


def test_the_header_asks_for_the_closure_and_inferred_forces_it(seed, tmp_path, capsys):
    inferred = ADHOC / "services-of-org-inferred.rq"
    expected = [(FWP, "Flexible Web Platform"), (FWPUB, "Hébergement Mutualisé, version Flexible Web Publisher")]
    answer = seed.run_file(inferred, {"org": "Platform.sh"})
    assert [(str(r["service"]), str(r["serviceName"])) for r in answer.rows] == expected
    assert seed.run_file(inferred, {"org": "Platform.sh"}, inference=False).rows == []  # only in the closure
    plain = write(tmp_path, "plain.rq", inferred.read_text(encoding="utf-8").replace("# inference: owlrl\n", ""))
    code, out, _ = run_cli(capsys, "query", "--file", plain, "--param", "org=Platform.sh", "--format", "csv")
    assert code == 1 and out.splitlines() == ["service,serviceName"]
    code, out, _ = run_cli(
        capsys, "query", "--file", plain, "--param", "org=Platform.sh", "--format", "csv", "--inferred"
    )
    assert code == 0 and len(out.splitlines()) == 3


# -- ASK --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "expected", "code"),
    [
        ("Flexible Web Platform", True, 0),
        ("Flexible Contact Center", False, 1),
    ],
)
def test_ask_prints_true_or_false_and_exits_0_or_1(seed, capsys, service, expected, code):
    path = ADHOC / "engages.rq"
    params = {"org": "Platform.sh", "service": service}
    answer = seed.run_file(path, params)
    assert (answer.form, answer.boolean, answer.found) == ("ASK", expected, expected)
    argv = ["query", "--file", path, "--param", "org=Platform.sh", "--param", f"service={service}"]
    assert run_cli(capsys, *argv) == (code, f"{str(expected).lower()}\n", "")
    got, out, _ = run_cli(capsys, *argv, "--format", "json")
    assert got == code and json.loads(out) == {"boolean": expected}
    assert run_cli(capsys, *argv, "--store", "memory")[:2] == (code, f"{str(expected).lower()}\n")


def test_columns_apply_to_select_only(capsys):
    code, _, err = run_cli(
        capsys,
        "query",
        "--file",
        ADHOC / "engages.rq",
        "--param",
        "org=Platform.sh",
        "--param",
        "service=Flexible Web Platform",
        "--columns",
        "x",
    )
    assert code == 2 and "--columns applies to SELECT queries" in one_line(err)


# -- CONSTRUCT and DESCRIBE -------------------------------------------------------------------------


def expected_uses_graph() -> set[tuple]:
    uses = URIRef(GG + "usesSubProcessor")
    return {(URIRef(FWP), uses, URIRef(PLATFORM_SH)), (URIRef(FWPUB), uses, URIRef(PLATFORM_SH))}


@pytest.mark.parametrize("store", ["oxigraph", "memory"])
def test_construct_prints_turtle_with_the_expected_triples(capsys, store):
    code, out, _ = run_cli(
        capsys, "query", "--file", ADHOC / "uses-graph.rq", "--param", "org=Platform.sh", "--store", store
    )
    assert code == 0
    assert "@prefix gg: <https://w3id.org/gdprgraph/ontology#>" in out
    assert set(rdflib.Graph().parse(data=out, format="turtle")) == expected_uses_graph()


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_construct_json_is_json_ld_and_csv_is_refused_before_loading(capsys):
    argv = ["query", "--file", ADHOC / "uses-graph.rq", "--param", "org=Platform.sh"]
    code, out, _ = run_cli(capsys, *argv, "--format", "json")
    assert code == 0
    assert set(rdflib.Graph().parse(data=out, format="json-ld")) == expected_uses_graph()
    code, out, err = run_cli(capsys, *argv, "--format", "csv", "--store", "sparql:http://127.0.0.1:9/query")
    assert (code, out) == (2, "")
    assert "gives a graph" in one_line(err)


def test_an_empty_graph_exits_1(seed, tmp_path, capsys):
    path = write(tmp_path, "nothing.rq", "CONSTRUCT { ?s ?p ?o } WHERE { ?s <urn:gdprgraph:no-such-property> ?o }\n")
    answer = seed.run_file(path)
    assert answer.form == "CONSTRUCT" and len(answer.graph) == 0 and not answer.found
    code, out, err = run_cli(capsys, "query", "--file", path)
    assert (code, out) == (1, "")
    assert one_line(err) == f"{path}: empty graph"


@pytest.mark.parametrize("store", ["oxigraph", "memory"])
def test_describe_prints_the_resource_as_turtle(tmp_path, capsys, store):
    path = write(
        tmp_path,
        "describe.rq",
        "# param: org : organisation : the organisation\nDESCRIBE ?org\nWHERE { ?org a ?type }\n",
    )
    assert queries.from_file(path).form == "DESCRIBE"
    code, out, _ = run_cli(capsys, "query", "--file", path, "--param", "org=platform.sh", "--store", store)
    assert code == 0
    graph = rdflib.Graph().parse(data=out, format="turtle")
    label = rdflib.Literal("Platform.sh")
    assert (URIRef(PLATFORM_SH), URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), label) in graph
    assert set(graph.subjects()) == {URIRef(PLATFORM_SH)}


# -- show --format json -----------------------------------------------------------------------------


def test_show_json_gives_the_description_with_its_sources(capsys):
    code, out, _ = run_cli(capsys, "show", "Platform.sh", "--format", "json")
    assert code == 0
    desc = json.loads(out)
    assert list(desc) == ["iri", "kind", "facts", "statements"]
    assert desc["iri"] == PLATFORM_SH and desc["kind"] == "organisation"
    assert {"property", "value"} == set(desc["facts"][0])
    assert any(f["value"] == "Platform.sh" for f in desc["facts"])
    keys = ["kind", "item", "status", "service", "document", "section", "line", "text"]
    assert all(list(st) == keys for st in desc["statements"])
    cited = [st for st in desc["statements"] if st["document"] == FWP_DOC]
    assert cited and all(isinstance(st["line"], int) and st["line"] > 0 for st in cited)
    assert 66 in {st["line"] for st in cited}


def test_show_text_stays_the_default(capsys):
    code, out, _ = run_cli(capsys, "show", "Platform.sh")
    assert code == 0 and out.startswith(f"organisation: <{PLATFORM_SH}>")
    assert run_cli(capsys, "show", "Platform.sh", "--format", "text")[1] == out


# -- a SPARQL server ---------------------------------------------------------------------------------


@pytest.fixture
def server_store(oxigraph_server) -> str:
    """The seed graph built into the session's Oxigraph server (conftest.py); yields its store spec."""
    oxigraph_server.wipe()
    assert main(["build", "--store", f"sparql:{oxigraph_server.url}"]) == 0
    return f"sparql:{oxigraph_server.url}"


def test_every_form_on_a_sparql_server(server_store, capsys):
    capsys.readouterr()
    store = ["--store", server_store]
    # JSON: IRIs in full (a server does not tell the prefixes of the files it was loaded from)
    local = run_cli(capsys, "query", "--file", SERVICES_OF_ORG, "--param", "org=Platform.sh", "--format", "json")
    remote = run_cli(
        capsys, "query", "--file", SERVICES_OF_ORG, "--param", "org=Platform.sh", "--format", "json", *store
    )
    assert remote == local and remote[0] == 0
    engages = ["query", "--file", ADHOC / "engages.rq", "--param", "org=Platform.sh"]
    assert run_cli(capsys, *engages, "--param", "service=Flexible Web Platform", *store) == (0, "true\n", "")
    assert run_cli(capsys, *engages, "--param", "service=Flexible Contact Center", *store) == (1, "false\n", "")
    code, out, _ = run_cli(capsys, "query", "--file", ADHOC / "uses-graph.rq", "--param", "org=Platform.sh", *store)
    assert code == 0 and set(rdflib.Graph().parse(data=out, format="turtle")) == expected_uses_graph()
    code, out, _ = run_cli(
        capsys,
        "query",
        "--file",
        ADHOC / "services-of-org-inferred.rq",
        "--param",
        "org=Platform.sh",
        "--format",
        "csv",
        *store,
    )
    assert code == 0 and len(out.splitlines()) == 3

    before = len(Workspace(store=server_store).asserted)
    code, out, err = run_cli(capsys, "query", "--file", ADHOC / "delete-where.rq", *store)
    assert (code, out) == (2, "") and "updates are refused" in one_line(err)
    assert len(Workspace(store=server_store).asserted) == before > 0
    assert remote == run_cli(
        capsys, "query", "--file", SERVICES_OF_ORG, "--param", "org=Platform.sh", "--format", "json", *store
    )
