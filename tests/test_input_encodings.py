"""Text inputs in any encoding a vendor or a DPO's spreadsheet writes: by byte-order mark, UTF-8, else
a stated guess (cp1252, then Latin-1); binary input refused in one line."""

from __future__ import annotations

import codecs
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.compare import isomorphic

from gdprgraph import Workspace, cli, resources
from gdprgraph.errors import InputError
from gdprgraph.ingest import default_context, ingest_file
from gdprgraph.ingest.subprocessors import import_subprocessors
from gdprgraph.ingest.text import decode

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "subprocessors"
DATA = resources.data_dir()
HM_SOURCE = DATA / "sources" / "hebergement-mutualise-flexible-web-publisher.art28.fr.txt"
HM_TTL = DATA / "hebergement-mutualise-flexible-web-publisher.ttl"
HM_SERVICE = "hebergement-mutualise-flexible-web-publisher"
GG = Namespace("https://w3id.org/gdprgraph/ontology#")
FWP = "Flexible Web Platform"
FWP_IRI = "https://w3id.org/gdprgraph/service/flexible-web-platform"
#: encodings with a byte-order mark: decoded by it, silently
WITH_BOM = {
    "utf-8-bom": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16-le": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16-be": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "utf-32-le": lambda text: codecs.BOM_UTF32_LE + text.encode("utf-32-le"),
    "utf-32-be": lambda text: codecs.BOM_UTF32_BE + text.encode("utf-32-be"),
}
CAFE = "Caf\u00e9\u2019s Cloud"  # a typographic apostrophe: Windows-1252 has it, Latin-1 does not
CP1252_NOTE = "not UTF-8 and no byte-order mark: decoded as Windows-1252 (cp1252), a guess"


def markdown_list() -> str:
    """The French sub-processor list (accents: Hébergement, États-Unis, Décision d'adéquation)."""
    return (FIXTURES / "vendor-subprocessors.md").read_text(encoding="utf-8")


def csv_list() -> str:
    """The same table as a French spreadsheet exports it (semicolons), and a row with letters only
    Windows-1252 has among the single-byte encodings (a typographic apostrophe and the euro sign)."""
    rows = [
        line.strip().strip("|").split("|")
        for line in markdown_list().splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ]
    text = "\n".join(";".join(cell.strip() for cell in row) for row in rows)
    return text + f"\n{CAFE};Facturation en €;France;France;Aucune\n"


def import_list(capsys, path: Path, out: Path) -> tuple[int, Graph | None, list[str]]:
    code = cli.main(["import-subprocessors", str(path), "--service", FWP, "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    return code, Graph().parse(out, format="turtle") if code == 0 else None, err


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, Graph]:
    """The lists imported from UTF-8, under the same file names as the re-encoded ones."""
    folder = tmp_path_factory.mktemp("utf8")
    seed = Workspace()
    graphs = {}
    for name, text in (("vendor-subprocessors.md", markdown_list()), ("vendor-subprocessors.csv", csv_list())):
        (folder / name).write_text(text, encoding="utf-8")
        graphs[name] = import_subprocessors(folder / name, FWP_IRI, context=seed)
    return graphs


# -- import-subprocessors --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["vendor-subprocessors.md", "vendor-subprocessors.csv"])
@pytest.mark.parametrize("encoding", list(WITH_BOM))
def test_list_with_a_byte_order_mark_reads_the_same(reference, tmp_path, capsys, name, encoding):
    text = markdown_list() if name.endswith(".md") else csv_list()
    path = tmp_path / name
    path.write_bytes(WITH_BOM[encoding](text))
    code, graph, err = import_list(capsys, path, tmp_path / "out.ttl")
    assert code == 0
    assert set(graph) == set(reference[name])
    assert (None, GG.description, Literal("Hébergement de la plateforme", lang="fr")) in graph
    assert not any("decoded as" in line for line in err)  # a byte-order mark is no guess


@pytest.mark.parametrize("name", ["vendor-subprocessors.md", "vendor-subprocessors.csv"])
def test_cp1252_list_is_decoded_and_the_guess_said(reference, tmp_path, capsys, name):
    text = markdown_list() if name.endswith(".md") else csv_list()
    path = tmp_path / name
    path.write_bytes(text.encode("cp1252"))
    code, graph, err = import_list(capsys, path, tmp_path / "out.ttl")
    assert code == 0
    assert set(graph) == set(reference[name])
    assert err[0] == f"{path}: {CP1252_NOTE}; check the accented letters or save the file as UTF-8"
    if name.endswith(".csv"):
        assert (None, GG.description, Literal("Facturation en €", lang="fr")) in graph
        assert (None, None, Literal(CAFE)) in graph


def test_latin1_list_is_decoded_and_the_encoding_named(reference, tmp_path, capsys):
    """Latin-1 bytes of these letters are Windows-1252 bytes too: read right, the guess named."""
    path = tmp_path / "vendor-subprocessors.md"
    path.write_bytes(markdown_list().encode("latin-1"))
    code, graph, err = import_list(capsys, path, tmp_path / "out.ttl")
    assert code == 0 and set(graph) == set(reference["vendor-subprocessors.md"])
    assert any(line.startswith(f"{path}: {CP1252_NOTE}") for line in err)


def test_latin1_fallback_when_cp1252_cannot_decode():
    text = "Nom;Pays\n" + "Société Générale;France\n" * 20
    data = text.encode("latin-1") + b"\x81\n"  # 0x81: no character in Windows-1252
    found = decode(data, "list.csv")
    assert (found.text, found.encoding, found.guessed) == (text + "\x81\n", "latin-1", True)
    assert "decoded as Latin-1 (ISO-8859-1), a guess" in found.note


@pytest.mark.parametrize(
    "case, content, words",
    [
        ("utf-16 without a byte-order mark", "Nom;Pays\nAcme;France\n".encode("utf-16-le"), "binary"),
        ("NUL bytes", b"Name,Country\nAcme\x00\x00,France\n", "binary"),
        ("a PDF named .csv", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        ("a workbook named .csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "binary"),
        ("random bytes", bytes(range(1, 32)) * 40, "binary"),
        ("a broken byte-order mark", codecs.BOM_UTF16_LE + "Nom".encode("utf-16-le") + b"\x00", "UTF-16 LE"),
    ],
)
def test_binary_list_is_one_line_exit_2(tmp_path, capsys, case, content, words):
    path = tmp_path / "list.csv"
    path.write_bytes(content)
    out = tmp_path / "out.ttl"
    code, _, err = import_list(capsys, path, out)
    assert code == 2 and len(err) == 1 and err[0].startswith(f"gdprgraph: error: {path}: ") and words in err[0]
    assert not out.exists()


# -- ingest ----------------------------------------------------------------------------------------


@cache
def hm_context() -> Graph:
    return default_context(exclude=[HM_TTL])


def ingest_as(tmp_path: Path, data: bytes):
    path = tmp_path / HM_SOURCE.name
    path.write_bytes(data)
    return ingest_file(path, key="hmfwp", service=HM_SERVICE, context=hm_context())


@pytest.fixture(scope="module")
def hm_utf8():
    return ingest_file(HM_SOURCE, key="hmfwp", service=HM_SERVICE, context=hm_context())


@pytest.mark.parametrize("encoding", [*WITH_BOM, "cp1252"])
def test_description_in_any_encoding_ingests_the_same(hm_utf8, tmp_path, encoding):
    text = HM_SOURCE.read_text(encoding="utf-8")  # French: accents, typographic quotes (Windows-1252 has them)
    data = text.encode("cp1252") if encoding == "cp1252" else WITH_BOM[encoding](text)
    result = ingest_as(tmp_path, data)
    assert isomorphic(result.graph, hm_utf8.graph)
    assert result.lines == hm_utf8.lines and not result.unrecognised
    assert result.encoding == ("cp1252" if encoding == "cp1252" else encoding.replace("-bom", ""))
    assert bool(result.encoding_note) == (encoding == "cp1252")


def test_cli_ingest_says_which_encoding_it_guessed(tmp_path, capsys):
    path = tmp_path / HM_SOURCE.name
    plain = str.maketrans({"\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "..."})  # not in Latin-1
    text = HM_SOURCE.read_text(encoding="utf-8").translate(plain)
    path.write_bytes(text.encode("latin-1"))  # what an old editor saves
    out = tmp_path / "hm.ttl"
    assert cli.main(["ingest", str(path), "--key", "hmfwp", "--out", str(out)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{path}: {CP1252_NOTE}; check the accented letters or save the file as UTF-8"
    graph = Graph().parse(out, format="turtle")
    assert any("Hébergement" in str(o) for o in graph.objects())


@pytest.mark.parametrize(
    "case, content, words",
    [
        ("NUL bytes", b"Description of Processing\x00\x00\x01", "binary"),
        ("utf-16 without a byte-order mark", "Description of Processing\n".encode("utf-16-le"), "binary"),
        ("a broken byte-order mark", codecs.BOM_UTF8 + b"Description \xff\xfe of Processing", "UTF-8"),
    ],
)
def test_binary_description_is_one_line_exit_2(tmp_path, capsys, case, content, words):
    path = tmp_path / "doc.txt"
    path.write_bytes(content)
    out = tmp_path / "out.ttl"
    code = cli.main(["ingest", str(path), "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith(f"gdprgraph: error: {path}: ") and words in err[0]
    assert not out.exists()


def test_library_raises_input_error_for_binary(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_bytes(b"\x00\x01\x02")
    with pytest.raises(InputError, match="binary"):
        ingest_file(path)
