/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Locates the real Llama-2 model and reads the golden corpus. */
final class TestData {

    private TestData() {}

    /** One golden entry: text and SentencePiece's ids for it (no BOS). */
    record Golden(String text, long[] ids) {
        @Override
        public String toString() {
            return text.length() > 40 ? text.substring(0, 40) + "…" : text;
        }
    }

    /**
     * Reads {@code tokenizer/spm_golden.jsonl}: about 650 strings with the ids that SentencePiece
     * 0.1.97 (Debian's python3-sentencepiece, {@code SentencePieceProcessor.encode(text)}) gives with the
     * Llama-2 model. The python module was used instead of {@code spm_encode}, which reads line by line,
     * because many strings contain newlines; for the single-line strings both agree.
     */
    static List<Golden> goldenCorpus() {
        List<Golden> corpus = new ArrayList<>();
        try (InputStream in = TestData.class.getResourceAsStream("/tokenizer/spm_golden.jsonl");
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                JsonObject row = JsonParser.parseString(line).getAsJsonObject();
                long[] ids = row.getAsJsonArray("ids").asList().stream()
                        .mapToLong(e -> e.getAsLong()).toArray();
                corpus.add(new Golden(row.get("text").getAsString(), ids));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return corpus;
    }
}
