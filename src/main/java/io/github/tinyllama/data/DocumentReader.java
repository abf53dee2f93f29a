/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import io.airlift.compress.zstd.ZstdInputStream;

import io.github.tinyllama.util.FileErrors;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Reads documents from corpus files, chosen by file name:
 * <ul>
 *   <li>{@code .txt}: the whole file is one document (UTF-8);</li>
 *   <li>{@code .jsonl}, {@code .jsonl.gz}, {@code .jsonl.zst} (and {@code .json*} alike): one JSON object per
 *       line, the text in {@code textField} (a dotted path; default {@code text}), as SlimPajama;</li>
 *   <li>{@code .parquet}: one document per row of the string column {@code textField} (default
 *       {@code content}, as StarCoderData), read by {@link ParquetReader}.</li>
 * </ul>
 *
 * <p>Filters ({@link FieldFilter}) drop records, counted by {@link #filtered()}. A malformed record
 * (invalid JSON or UTF-8, not an object, text missing, null or not a string) is passed to the
 * {@code onMalformed} callback with its file and 1-based line (row for Parquet) and counted by
 * {@link #skipped()}; in strict mode it is thrown instead. Blank lines of JSON-lines files are ignored:
 * they hold no record. One reader reads one file at a time and is not thread-safe.
 */
public final class DocumentReader {

    /** Receives documents in file order. */
    @FunctionalInterface
    public interface Sink {
        /**
         * Takes one document.
         *
         * @param text the document's text
         * @throws IOException to stop reading
         */
        void accept(String text) throws IOException;
    }

    /** Default text field of JSON lines (SlimPajama). */
    public static final String DEFAULT_JSON_FIELD = "text";
    /** Default text column of Parquet files (StarCoderData). */
    public static final String DEFAULT_PARQUET_COLUMN = "content";

    private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);
    private static final List<String> SUFFIXES = List.of(".txt", ".jsonl", ".jsonl.gz", ".jsonl.zst",
            ".json", ".json.gz", ".json.zst", ".parquet");

    private final String textField;
    private final List<FieldFilter> filters;
    private final boolean strict;
    private final Consumer<MalformedDocumentException> onMalformed;
    private long documents;
    private long skipped;
    private long filtered;
    /** Lines read so far of the file being read, to say where a truncated stream ended. */
    private long linesRead;

    /**
     * Creates a reader.
     *
     * @param textField the text field or column, or null for the defaults ({@code text} in JSON,
     *     {@code content} in Parquet)
     * @param filters conditions every record must meet
     * @param strict whether a malformed record is fatal
     * @param onMalformed told of each skipped malformed record (not called in strict mode)
     */
    public DocumentReader(String textField, List<FieldFilter> filters, boolean strict,
            Consumer<MalformedDocumentException> onMalformed) {
        this.textField = textField;
        this.filters = List.copyOf(filters);
        this.strict = strict;
        this.onMalformed = onMalformed == null ? e -> { } : onMalformed;
    }

    /**
     * Says whether a file has a name this reader knows.
     *
     * @param file a path
     * @return true for {@code .txt}, {@code .jsonl}, {@code .jsonl.gz}, {@code .jsonl.zst} and {@code .parquet}
     */
    public static boolean isSupported(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return SUFFIXES.stream().anyMatch(name::endsWith);
    }

    /**
     * Expands inputs into the files to read: files as given (they must be supported), directories
     * recursively, their supported files in sorted path order; hidden files are skipped in directories.
     *
     * @param inputs files and directories
     * @return the files, in reading order
     * @throws IOException if an input is missing, or a named file has an unknown extension
     */
    public static List<Path> expand(List<Path> inputs) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path input : inputs) {
            if (Files.isDirectory(input)) {
                int before = files.size();
                try (var walk = Files.walk(input)) {
                    walk.filter(Files::isRegularFile)
                            .filter(DocumentReader::isSupported)
                            .filter(p -> !p.getFileName().toString().startsWith("."))
                            .sorted()
                            .forEach(files::add);
                }
                if (files.size() == before) {
                    // A folder that gives nothing is a mistake (a wrong path, a wrong extension), not an empty corpus.
                    throw new IOException(input + ": no input files in this folder (looked for "
                            + String.join(", ", SUFFIXES) + ", hidden files skipped)");
                }
            } else if (Files.isRegularFile(input)) {
                if (!isSupported(input)) {
                    throw new IOException(input + ": unknown input type; expected one of " + String.join(", ", SUFFIXES));
                }
                files.add(input);
            } else {
                throw new java.nio.file.NoSuchFileException(input.toString(), null, "no such input file or directory");
            }
        }
        return files;
    }

    /** Returns the documents passed to sinks so far. */
    public long documents() {
        return documents;
    }

    /** Returns the malformed records skipped so far. */
    public long skipped() {
        return skipped;
    }

    /** Returns the records dropped by filters so far. */
    public long filtered() {
        return filtered;
    }

    /**
     * Reads one file.
     *
     * @param file the file
     * @param sink receives each document
     * @throws IOException if reading fails, or a record is malformed in strict mode
     *     ({@link MalformedDocumentException})
     */
    public void read(Path file, Sink sink) throws IOException {
        linesRead = 0;
        try {
            readFile(file, sink);
        } catch (MalformedDocumentException e) {
            throw e;
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            throw new IOException(file + ": " + FileErrors.reason(file, e) + afterLine(), e);
        } catch (io.airlift.compress.MalformedInputException e) {
            throw new IOException(file + ": corrupt zstd data (" + e.getMessage() + ")" + afterLine(), e);
        }
    }

    /** Where in a compressed stream a failure came, for a file whose earlier lines were read. */
    private String afterLine() {
        return linesRead == 0 ? "" : " after line " + linesRead;
    }

    private void readFile(Path file, Sink sink) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".txt")) {
            readText(file, sink);
        } else if (name.endsWith(".parquet")) {
            readParquet(file, sink);
        } else if (name.endsWith(".gz")) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
                readJsonLines(file, in, sink);
            }
        } else if (name.endsWith(".zst")) {
            try (InputStream in = new ZstdInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
                readJsonLines(file, in, sink);
            }
        } else if (name.endsWith(".jsonl") || name.endsWith(".json")) {
            try (InputStream in = Files.newInputStream(file)) {
                readJsonLines(file, in, sink);
            }
        } else {
            throw new IOException(file + ": unknown input type; expected one of " + String.join(", ", SUFFIXES));
        }
    }

    private void malformed(Path file, long line, String reason) throws MalformedDocumentException {
        MalformedDocumentException e = new MalformedDocumentException(file, line, reason);
        if (strict) {
            throw e;
        }
        skipped++;
        onMalformed.accept(e);
    }

    private void emit(Sink sink, String text) throws IOException {
        documents++;
        sink.accept(text);
    }

    private void readText(Path file, Sink sink) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            text = decoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            malformed(file, 1, "invalid UTF-8");
            return;
        }
        emit(sink, text);
    }

    private static CharsetDecoder decoder() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    private void readJsonLines(Path file, InputStream raw, Sink sink) throws IOException {
        InputStream in = raw instanceof BufferedInputStream ? raw : new BufferedInputStream(raw, 1 << 16);
        CharsetDecoder decoder = decoder();
        byte[] buf = new byte[1 << 12];
        long lineNo = 0;
        while (true) {
            int len = 0;
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (len == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                }
                buf[len++] = (byte) b;
            }
            if (b < 0 && len == 0) {
                return;
            }
            lineNo++;
            linesRead = lineNo;
            if (len > 0 && buf[len - 1] == '\r') {
                len--;
            }
            String line;
            try {
                line = decoder.decode(ByteBuffer.wrap(buf, 0, len)).toString();
            } catch (CharacterCodingException e) {
                malformed(file, lineNo, "invalid UTF-8");
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            handleJsonLine(file, lineNo, line, sink);
            if (b < 0) {
                return;
            }
        }
    }

    private void handleJsonLine(Path file, long lineNo, String line, Sink sink) throws IOException {
        JsonElement element;
        try {
            JsonReader reader = new JsonReader(new StringReader(line));
            reader.setLenient(false);
            element = JSON.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                malformed(file, lineNo, "invalid JSON: more than one value on the line");
                return;
            }
        } catch (JsonParseException | IOException | IllegalStateException e) {
            malformed(file, lineNo, "invalid JSON: " + firstLine(e.getMessage()));
            return;
        }
        if (!element.isJsonObject()) {
            malformed(file, lineNo, "not a JSON object");
            return;
        }
        JsonObject record = element.getAsJsonObject();
        for (FieldFilter filter : filters) {
            if (!filter.keeps(record)) {
                filtered++;
                return;
            }
        }
        String field = textField == null ? DEFAULT_JSON_FIELD : textField;
        JsonElement text = JsonPath.get(record, field);
        if (text == null || text.isJsonNull()) {
            malformed(file, lineNo, "no text field '" + field + "'");
        } else if (!text.isJsonPrimitive() || !text.getAsJsonPrimitive().isString()) {
            malformed(file, lineNo, "text field '" + field + "' is not a string");
        } else {
            emit(sink, text.getAsString());
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        // Gson suggests lenient parsing, which is no advice for a corpus.
        return line.replaceFirst("^Use JsonReader\\.setLenient\\(true\\)|^Use JsonReader\\.setStrictness\\(Strictness\\.LENIENT\\)", "")
                .replaceFirst("^ to accept malformed JSON", "malformed JSON").strip();
    }

    private void readParquet(Path file, Sink sink) throws IOException {
        String column = textField == null ? DEFAULT_PARQUET_COLUMN : textField;
        try (ParquetReader parquet = ParquetReader.open(file)) {
            List<String> names = new ArrayList<>();
            names.add(column);
            for (FieldFilter f : filters) {
                names.add(f.field());
            }
            long row = 0;
            for (int g = 0; g < parquet.rowGroups(); g++) {
                List<List<String>> columns = new ArrayList<>();
                for (int k = 0; k < names.size(); k++) {
                    String n = names.get(k);
                    // A filter column the file lacks is no value in every row, as a missing JSON field.
                    columns.add(k > 0 && !parquet.columnNames().contains(n)
                            ? java.util.Collections.nCopies((int) parquet.rows(g), null)
                            : parquet.readStrings(g, n));
                }
                List<String> texts = columns.get(0);
                rows:
                for (int r = 0; r < texts.size(); r++) {
                    row++;
                    for (int k = 0; k < filters.size(); k++) {
                        if (!filters.get(k).keeps(columns.get(k + 1).get(r))) {
                            filtered++;
                            continue rows;
                        }
                    }
                    String text = texts.get(r);
                    if (text == null) {
                        malformed(file, row, "column '" + column + "' is null");
                    } else {
                        emit(sink, text);
                    }
                }
            }
        }
    }
}
