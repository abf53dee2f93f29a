package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.testing.TinyModels;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.NoSuchElementException;

class TextStreamTest {

    @TempDir
    static Path dir;

    private static TinyLlama llm;

    @BeforeAll
    static void load() throws Exception {
        llm = TinyLlama.load(TinyModels.withTokenizer(dir, 4));
    }

    @AfterAll
    static void close() {
        if (llm != null) {
            llm.close();
        }
    }

    @Test
    void piecesConcatenateToTheResultText() {
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(12).optIgnoreEos(true).build();
        StringBuilder text = new StringBuilder();
        try (TextStream stream = llm.stream("Once upon a time", config)) {
            stream.forEachRemaining(text::append);
            GenerationResult r = stream.result();
            assertEquals(r.text(), text.toString());
            assertEquals(12, r.generatedTokens());
            assertEquals(llm.generate("Once upon a time", config).text(), text.toString());
        }
    }

    @Test
    void closingEarlyStopsGeneration() {
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(200).optIgnoreEos(true).build();
        TextStream stream = llm.stream("Hello", config);
        assertTrue(stream.hasNext());
        stream.next();
        stream.close();
        // The worker ended without producing all 200 tokens: its result is the closing failure.
        assertThrows(IllegalStateException.class, stream::result);
    }

    @Test
    void readingPastTheEndFails() {
        try (TextStream stream = llm.stream("Hi", GenerationConfig.greedy(2))) {
            stream.forEachRemaining(piece -> { });
            assertThrows(NoSuchElementException.class, stream::next);
        }
    }
}
