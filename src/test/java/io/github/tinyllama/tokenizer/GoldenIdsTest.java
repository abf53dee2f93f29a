/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import io.github.tinyllama.testing.SharedTokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our converted tokenizer must give SentencePiece's ids for every string of the golden corpus. */
class GoldenIdsTest {

    private static LlamaTokenizer tokenizer;

    @BeforeAll
    static void convert() throws Exception {
        tokenizer = SharedTokenizer.tokenizer();
    }

    @Test
    void matchesSentencePieceOnWholeCorpus() {
        List<TestData.Golden> corpus = TestData.goldenCorpus();
        assertTrue(corpus.size() >= 500, "corpus has only " + corpus.size() + " strings");
        List<String> mismatches = new ArrayList<>();
        for (TestData.Golden golden : corpus) {
            long[] actual = tokenizer.encode(golden.text(), false);
            if (!Arrays.equals(golden.ids(), actual)) {
                mismatches.add(String.format("%s%n    spm: %s%n    ours: %s", quote(golden.text()),
                        Arrays.toString(golden.ids()), Arrays.toString(actual)));
            }
        }
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " of " + corpus.size() + " strings differ from SentencePiece:\n"
                    + String.join("\n", mismatches));
        }
    }

    private static String quote(String text) {
        return '"' + text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
                .replace("\t", "\\t") + '"';
    }
}
