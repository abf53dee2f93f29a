/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import io.github.tinyllama.testing.SharedTokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Llama-2 semantics of the converted real tokenizer. */
class LlamaTokenizerTest {

    private static LlamaTokenizer tokenizer;

    @BeforeAll
    static void convert() throws IOException {
        tokenizer = SharedTokenizer.tokenizer();
    }

    @Test
    void addsBosButNoEos() {
        assertArrayEquals(new long[] {1, 15043, 3186}, tokenizer.encode("Hello world"));
        assertArrayEquals(new long[] {15043, 3186}, tokenizer.encode("Hello world", false));
        assertArrayEquals(new long[] {1}, tokenizer.encode(""));
    }

    @Test
    void vocabularyAndSpecialIds() {
        assertEquals(32000, tokenizer.vocabSize());
        assertEquals(1, tokenizer.bosId());
        assertEquals(2, tokenizer.eosId());
        assertEquals("<s>", tokenizer.tokenText(1));
        assertEquals("<0x0A>", tokenizer.tokenText(13));
        assertEquals("\u2581Hello", tokenizer.tokenText(15043));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenText(32000));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.tokenText(-1));
    }

    /**
     * Literal special-token text becomes the special token, as in HF. The text after it is encoded
     * without the dummy-prefix ▁, as HF's LlamaTokenizerFast with legacy=false does (a legacy
     * tokenizer.json, like TinyLlama's own, would insert ▁ = 29871 after {@code </s>}). Expected ids:
     * SentencePiece's ids for each segment, minus the leading 29871 for segments after a special token
     * (the dummy ▁ cannot merge with a newline, which is a byte token, so dropping it is exact).
     */
    @Test
    void specialTokensInTextFollowHfLegacyFalse() {
        assertArrayEquals(new long[] {1, 2, 13, 29966, 29989, 1792, 29989, 29958},
                tokenizer.encode("</s>\n<|user|>"));
        String chat = "<|system|>\nYou are a friendly chatbot.</s>\n<|user|>\nHi</s>\n<|assistant|>\n";
        assertArrayEquals(new long[] {1,
            529, 29989, 5205, 29989, 29958, 13, 3492, 526, 263, 19780, 13563, 7451, 29889, 2,
            13, 29966, 29989, 1792, 29989, 29958, 13, 18567, 2,
            13, 29966, 29989, 465, 22137, 29989, 29958, 13}, tokenizer.encode(chat));
        // " Hello " as spm encodes it, then <s>, then " x" -> ▁x without an extra ▁.
        assertArrayEquals(new long[] {29871, 15043, 29871, 1, 921}, tokenizer.encode(" Hello <s> x", false));
        assertArrayEquals(new long[] {263, 0, 29890}, tokenizer.encode("a<unk>b", false));
    }

    /** HF decoding: special tokens are dropped or kept verbatim; one leading space is stripped. */
    @Test
    void decodesLikeHf() {
        long[] ids = {1, 15043, 3186, 2};
        assertEquals("Hello world", tokenizer.decode(ids));
        assertEquals("<s> Hello world</s>", tokenizer.decode(ids, false));
        assertEquals("Hello", tokenizer.decode(new long[] {15043}));
        assertEquals(" Hello", tokenizer.decode(new long[] {29871, 15043}));
        assertEquals("\u4e2d", tokenizer.decode(new long[] {231, 187, 176}), "bytes E4 B8 AD");
        assertEquals("\ufffd", tokenizer.decode(new long[] {231}), "a lone lead byte decodes to U+FFFD");
    }

    /** DJL would truncate to 512 tokens by default; "▁hello" and "▁world" are one token each. */
    @Test
    void encodesLongTextWithoutTruncation() {
        String text = String.join(" ", Collections.nCopies(2500, "hello world"));
        long[] ids = tokenizer.encode(text);
        assertEquals(5001, ids.length);
        assertEquals(1, ids[0]);
        assertEquals(text, tokenizer.decode(ids));
    }

    static Stream<String> corpus() {
        return TestData.goldenCorpus().stream().map(TestData.Golden::text);
    }

    /**
     * decode(encode(s)) == s for every corpus string. Llama decoding drops one leading space, and
     * that is exactly the ▁ that encoding prepended, so leading spaces of the input survive. (The
     * corpus holds no U+2581 and no special-token text, which would not round-trip.)
     */
    @ParameterizedTest
    @MethodSource("corpus")
    void roundTrips(String text) {
        assertEquals(text, tokenizer.decode(tokenizer.encode(text)));
    }

    @Test
    void loadsFromEveryKindOfPath(@TempDir Path dir) throws IOException {
        long[] expected = tokenizer.encode("Hello 世界 🌍");
        Path modelDir = Files.createDirectories(dir.resolve("model"));
        Files.copy(SharedTokenizer.PATH, modelDir.resolve("tokenizer.model"));
        for (Path path : new Path[] {modelDir, modelDir.resolve("tokenizer.model"),
            SharedTokenizer.convertedDir().resolve("tokenizer.json")}) {
            try (LlamaTokenizer other = LlamaTokenizer.load(path)) {
                assertArrayEquals(expected, other.encode("Hello 世界 🌍"), path.toString());
                assertEquals(2, other.eosId());
            }
        }
        try (Stream<Path> files = Files.list(modelDir)) {
            assertEquals(1, files.count(), "loading a tokenizer.model must not leave files behind");
        }
    }

    /** BOS/EOS come from tokenizer_config.json when it names them. */
    @Test
    void readsSpecialTokensFromConfig(@TempDir Path dir) throws IOException {
        Files.copy(SharedTokenizer.convertedDir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": {\"content\": \"</s>\"}, \"eos_token\": \"<unk>\", \"model_max_length\": 1e30}");
        try (LlamaTokenizer other = LlamaTokenizer.load(dir)) {
            assertEquals(2, other.bosId());
            assertEquals(0, other.eosId());
            assertEquals(2, other.encode("x")[0]);
        }
    }
}
