"""Zip-based readers benchmark: a large synthetic .docx and .epub read and built into an article.

    python -m benchmarks.ingest_zip [--paragraphs 20000] [--repeat 3] [--json]

The .docx has N paragraphs (a Heading 1 every 20) of ~400 characters, each citing a footnote, and an
endnote every 50 paragraphs; the .epub has N/100 chapters of 100 such paragraphs with <aside> footnotes.
Measured per format: file size, the best of R runs of read_document (bytes → Document; wall clock
and this process's CPU time, the figure to trust on a busy machine) and of build_article (Document →
Article), passages and footnotes made, and the peak resident memory of the
process (ru_maxrss) after all runs. The goal is linear time: twice the paragraphs, twice the time.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import time
import zipfile

from bot.ingest import build_article, read_document

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WORDS = (
    "league merchant herring salt cog Baltic town diet privilege charter guild warehouse river grain fur "
    "wax cloth envoy statute court route voyage harbour toll treaty prince decline council ledger"
).split()


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def paragraph_text(rng: random.Random) -> str:
    return " ".join(sentence(rng, 12) for _ in range(5))


def make_docx(paragraphs: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    body, footnotes, endnotes = [], [], []
    for n in range(1, paragraphs + 1):
        if n % 20 == 1:
            body.append(
                f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Section {n // 20 + 1}</w:t></w:r></w:p>'
            )
        refs = f'<w:r><w:footnoteReference w:id="{n}"/></w:r>'
        if n % 50 == 0:
            refs += f'<w:r><w:endnoteReference w:id="{n}"/></w:r>'
            endnotes.append(f'<w:endnote w:id="{n}"><w:p><w:r><w:t>{sentence(rng, 10)}</w:t></w:r></w:p></w:endnote>')
        body.append(f'<w:p><w:r><w:t xml:space="preserve">{paragraph_text(rng)}</w:t></w:r>{refs}</w:p>')
        footnotes.append(f'<w:footnote w:id="{n}"><w:p><w:r><w:t>{sentence(rng, 14)}</w:t></w:r></w:p></w:footnote>')
    members = {
        "[Content_Types].xml": "<Types/>",
        "word/document.xml": f'<w:document xmlns:w="{W_NS}"><w:body>{"".join(body)}</w:body></w:document>',
        "word/footnotes.xml": f'<w:footnotes xmlns:w="{W_NS}">{"".join(footnotes)}</w:footnotes>',
        "word/endnotes.xml": f'<w:endnotes xmlns:w="{W_NS}">{"".join(endnotes)}</w:endnotes>',
        "word/styles.xml": f'<w:styles xmlns:w="{W_NS}"><w:style w:styleId="Heading1"><w:name w:val="heading 1"/>'
        "</w:style></w:styles>",
    }
    return _zip(members)


def make_epub(paragraphs: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    chapters = max(1, paragraphs // 100)
    members = {
        "META-INF/container.xml": '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="content.opf"/></rootfiles></container>',
    }
    items, refs = [], []
    for c in range(1, chapters + 1):
        body, asides = [f"<h1>Chapter {c}</h1>"], []
        for p in range(1, 101):
            n = (c - 1) * 100 + p
            body.append(f'<p>{paragraph_text(rng)}<a epub:type="noteref" href="#fn{n}">{n}</a></p>')
            asides.append(f'<aside epub:type="footnote" id="fn{n}"><p>{sentence(rng, 14)}</p></aside>')
        members[f"c{c}.xhtml"] = (
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><body>'
            + "".join(body + asides)
            + "</body></html>"
        )
        items.append(f'<item id="c{c}" href="c{c}.xhtml" media-type="application/xhtml+xml"/>')
        refs.append(f'<itemref idref="c{c}"/>')
    members["content.opf"] = (
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>Benchmark</dc:title></metadata><manifest>{''.join(items)}</manifest>"
        f"<spine>{''.join(refs)}</spine></package>"
    )
    return _zip(members)


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def measure(name: str, data: bytes, repeat: int) -> dict:
    read_s, read_cpu_s, build_s = [], [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        document = read_document(name, data)
        middle, middle_cpu = time.perf_counter(), time.process_time()
        article = build_article("bench", name, document).article
        read_s.append(middle - start)
        read_cpu_s.append(middle_cpu - start_cpu)
        build_s.append(time.perf_counter() - middle)
    return {
        "file": name,
        "file_mb": round(len(data) / 1e6, 2),
        "read_s": round(min(read_s), 3),
        "read_cpu_s": round(min(read_cpu_s), 3),
        "build_article_s": round(min(build_s), 3),
        "passages": len(article.passages),
        "footnotes": len(article.footnotes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paragraphs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    records = [
        measure("bench.docx", make_docx(args.paragraphs), args.repeat),
        measure("bench.epub", make_epub(args.paragraphs), args.repeat),
    ]
    peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    for record in records:
        record["peak_rss_mb"] = peak_mb
    if args.json:
        print(json.dumps(records))
        return
    print(f"{args.paragraphs} paragraphs; best of {args.repeat}; peak RSS of the process {peak_mb} MB")
    for r in records:
        print(
            f"{r['file']:<11} {r['file_mb']:>6} MB  read {r['read_s']:>6} s (CPU {r['read_cpu_s']:>6} s)"
            f"  build_article {r['build_article_s']:>6} s"
            f"  {r['passages']} passages, {r['footnotes']} footnotes"
        )


if __name__ == "__main__":
    main()
