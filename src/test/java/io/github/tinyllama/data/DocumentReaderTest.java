package io.github.tinyllama.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPOutputStream;

class DocumentReaderTest {

    private static final FieldFilter NO_GITHUB = FieldFilter.parse("meta.redpajama_set_name!=RedPajamaGithub");
    private static final String THIRD = "Third, with unicode \u00e9\u4e2d \uD83D\uDE00.";

    @TempDir
    Path dir;

    private Path fixture(String name) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, PackedWriterTest.resource(name));
        return p;
    }

    private record Result(List<String> docs, List<MalformedDocumentException> problems, DocumentReader reader) {}

    private static Result read(Path file, String field, List<FieldFilter> filters) throws IOException {
        List<MalformedDocumentException> problems = new ArrayList<>();
        DocumentReader r = new DocumentReader(field, filters, false, problems::add);
        List<String> docs = new ArrayList<>();
        r.read(file, docs::add);
        assertEquals(docs.size(), r.documents());
        return new Result(docs, problems, r);
    }

    private void checkSlimPajama(Path file) throws IOException {
        Result r = read(file, null, List.of(NO_GITHUB));
        assertEquals(List.of("First document.", THIRD, "Last one\nwith a newline."), r.docs);
        assertEquals(1, r.reader.filtered());
        assertEquals(3, r.reader.skipped());
        List<String> messages = r.problems.stream().map(Exception::getMessage).toList();
        assertTrue(messages.get(0).startsWith(file + ":5: invalid JSON: malformed JSON at line 1"), messages.get(0));
        assertEquals(file + ":6: no text field 'text'", messages.get(1));
        assertEquals(file + ":7: text field 'text' is not a string", messages.get(2));
        assertEquals(List.of(5L, 6L, 7L), r.problems.stream().map(MalformedDocumentException::line).toList());
    }

    @Test
    void jsonLines() throws IOException {
        checkSlimPajama(fixture("slimpajama.jsonl"));
    }

    @Test
    void jsonLinesZstd() throws IOException {
        checkSlimPajama(fixture("slimpajama.jsonl.zst"));
    }

    @Test
    void jsonLinesGzip() throws IOException {
        Path gz = dir.resolve("slimpajama.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(PackedWriterTest.resource("slimpajama.jsonl"));
        }
        checkSlimPajama(gz);
    }

    @Test
    void filtersAndTextField() throws IOException {
        Path f = fixture("slimpajama.jsonl");
        Result keepBook = read(f, null, List.of(FieldFilter.parse("meta.redpajama_set_name=RedPajamaBook")));
        assertEquals(List.of("First document."), keepBook.docs);
        assertEquals(5, keepBook.reader.filtered(), "filters run first; records without the field do not equal the value");
        Result names = read(f, "meta.redpajama_set_name", List.of());
        assertEquals(List.of("RedPajamaBook", "RedPajamaGithub", "RedPajamaWikipedia", "RedPajamaArXiv"), names.docs);
        assertEquals(3, names.reader.skipped());

        assertEquals(new FieldFilter("a.b", "x=y", true), FieldFilter.parse("a.b!=x=y"));
        assertEquals(new FieldFilter("lang", "", false), FieldFilter.parse("lang="));
        assertThrows(IllegalArgumentException.class, () -> FieldFilter.parse("novalue"));
        assertThrows(IllegalArgumentException.class, () -> FieldFilter.parse("=x"));
        assertThrows(IllegalArgumentException.class, () -> FieldFilter.parse("a..b=x"));
    }

    @Test
    void strictStopsAtTheFirstMalformedLine() throws IOException {
        Path f = fixture("slimpajama.jsonl");
        DocumentReader r = new DocumentReader(null, List.of(), true, e -> { });
        MalformedDocumentException e = assertThrows(MalformedDocumentException.class, () -> r.read(f, t -> { }));
        assertEquals(5, e.line());
        assertEquals(f, e.file());
    }

    @Test
    void invalidUtf8AndCrLf() throws IOException {
        Path f = dir.resolve("bad.jsonl");
        byte[] bad = "{\"text\": \"a\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
        try (OutputStream out = Files.newOutputStream(f)) {
            out.write("{\"text\": \"ok\"}\r\n".getBytes(StandardCharsets.UTF_8));
            out.write(bad);
            out.write("\n{\"text\": \"end\"}".getBytes(StandardCharsets.UTF_8));
        }
        Result r = read(f, null, List.of());
        assertEquals(List.of("ok", "end"), r.docs);
        assertEquals(f + ":2: invalid UTF-8", r.problems.get(0).getMessage());
    }

    @Test
    void textFilesAreOneDocument() throws IOException {
        Path f = dir.resolve("a.txt");
        Files.writeString(f, "line one\nline two\n");
        assertEquals(List.of("line one\nline two\n"), read(f, null, List.of()).docs);
    }

    @Test
    void parquetSnappyWithNullsAndFilter() throws IOException {
        Path f = fixture("starcoder_snappy.parquet");
        Result r = read(f, null, List.of());
        String py = "def hello():\n    print(\"h\u00e9llo\")\n";
        assertEquals(List.of(py, "public class A {}\n", py, "fn main() { println!(\"\u4e2d\u6587 \uD83D\uDE00\"); }\n"), r.docs);
        assertEquals(List.of(f + ":4: column 'content' is null"), r.problems.stream().map(Exception::getMessage).toList());
        Result java = read(f, null, List.of(FieldFilter.parse("lang=Java")));
        assertEquals(List.of("public class A {}\n"), java.docs);
        assertEquals(3, java.reader.filtered());
        assertEquals(List.of("Python", "Java", "Python", "Java", "Rust"), read(f, "lang", List.of()).docs);
        IOException e = assertThrows(IOException.class, () -> read(f, "text", List.of()));
        assertTrue(e.getMessage().contains("no column 'text'"), e.getMessage());
        e = assertThrows(IOException.class, () -> read(f, "id", List.of()));
        assertTrue(e.getMessage().contains("not a string"), e.getMessage());
    }

    @Test
    void parquetZstdAndDictionary() throws IOException {
        Result z = read(fixture("starcoder_zstd.parquet"), null, List.of(FieldFilter.parse("lang!=Python")));
        assertEquals(2, z.docs.size());
        Result many = read(fixture("many_rows.parquet"), null, List.of());
        assertEquals(300, many.docs.size());
        for (int i = 0; i < 300; i++) {
            assertEquals("doc " + (i % 7), many.docs.get(i));
        }
    }

    @Test
    void expandSortsDirectoriesRecursively() throws IOException {
        Files.createDirectories(dir.resolve("b/c"));
        for (String n : List.of("b/c/z.jsonl", "b/a.txt", "a.parquet", "b/skip.csv", "b/.hidden.txt")) {
            Files.writeString(dir.resolve(n), "x");
        }
        List<Path> files = DocumentReader.expand(List.of(dir));
        assertEquals(List.of(dir.resolve("a.parquet"), dir.resolve("b/a.txt"), dir.resolve("b/c/z.jsonl")), files);
        assertThrows(IOException.class, () -> DocumentReader.expand(List.of(dir.resolve("b/skip.csv"))));
        assertThrows(IOException.class, () -> DocumentReader.expand(List.of(dir.resolve("missing"))));
        assertEquals(Collections.emptyList(), DocumentReader.expand(List.of()));
    }
}
