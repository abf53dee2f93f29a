/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import io.github.tinyllama.testing.SharedTokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {

    private static final char REPLACEMENT = '\ufffd';

    private static LlamaTokenizer tokenizer;

    @BeforeAll
    static void convert() throws IOException {
        tokenizer = SharedTokenizer.tokenizer();
    }

    /** Feeds ids one by one and returns every piece returned, the last one from flush(). */
    private static List<String> stream(StreamingDecoder decoder, long[] ids) {
        List<String> pieces = new ArrayList<>();
        for (long id : ids) {
            pieces.add(decoder.push(id));
        }
        pieces.add(decoder.flush());
        return pieces;
    }

    /** Over the whole corpus (with BOS, plus EOS): the pieces join to decode(all), without U+FFFD. */
    @Test
    void concatenationEqualsDecodeOnCorpus() {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        List<String> failures = new ArrayList<>();
        for (TestData.Golden golden : TestData.goldenCorpus()) {
            long[] ids = Arrays.copyOf(tokenizer.encode(golden.text()), golden.ids().length + 2);
            ids[ids.length - 1] = tokenizer.eosId();
            String expected = tokenizer.decode(ids);
            List<String> pieces = stream(decoder, ids);
            String joined = String.join("", pieces);
            boolean brokenChar = expected.indexOf(REPLACEMENT) < 0
                    && pieces.stream().anyMatch(p -> p.indexOf(REPLACEMENT) >= 0 || hasLoneSurrogate(p));
            if (!joined.equals(expected) || brokenChar) {
                failures.add(golden + " -> " + pieces);
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " corpus strings stream wrongly:\n" + String.join("\n", failures));
        }
    }

    /** 🚀 has no piece: four byte tokens that must come out together, after "a". */
    @Test
    void multiByteCharacterSplitAcrossByteTokens() {
        long[] ids = tokenizer.encode("a🚀b 漢", false);
        assertEquals("\u2581a", tokenizer.tokenText(ids[0]));
        for (int i = 1; i <= 4; i++) {
            assertTrue(tokenizer.tokenText(ids[i]).startsWith("<0x"), tokenizer.tokenText(ids[i]));
        }
        List<String> pieces = stream(tokenizer.newStreamingDecoder(), ids);
        assertEquals(List.of("a", "", "", "", "", "🚀b"), pieces.subList(0, 6));
        assertEquals("a🚀b 漢", String.join("", pieces));
    }

    @Test
    void emojiZwjSequenceAndCjkNeverBreak() {
        for (String text : new String[] {"👨‍👩‍👧‍👦 family", "𠀀𠀁 rare", "齉龘靐齾爩", "🏳️‍🌈🇯🇵"}) {
            long[] ids = tokenizer.encode(text);
            List<String> pieces = stream(tokenizer.newStreamingDecoder(), ids);
            for (String piece : pieces) {
                assertFalse(piece.indexOf(REPLACEMENT) >= 0 || hasLoneSurrogate(piece), text + ": " + pieces);
            }
            assertEquals(text, String.join("", pieces));
        }
    }

    /**
     * Random id sequences, rich in byte tokens (valid and invalid UTF-8), special tokens and bare ▁:
     * the pieces must still join to exactly decode(all), U+FFFD where decode has it.
     */
    @Test
    void matchesDecodeOnRandomIds() {
        Random random = new Random(7);
        long[] interesting = {0, 1, 2, 13, 29871, 259, 15043, 3186, 231, 187, 176, 243, 162, 157, 131, 31494};
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        for (int run = 0; run < 300; run++) {
            long[] ids = new long[1 + random.nextInt(60)];
            for (int i = 0; i < ids.length; i++) {
                int kind = random.nextInt(4);
                ids[i] = kind == 0 ? 3 + random.nextInt(256)
                        : kind == 1 ? interesting[random.nextInt(interesting.length)]
                        : random.nextInt(tokenizer.vocabSize());
            }
            assertEquals(tokenizer.decode(ids), String.join("", stream(decoder, ids)), Arrays.toString(ids));
        }
    }

    /** The decoder works on a window of recent ids, not the whole history. */
    @Test
    void windowStaysSmallOnLongStreams() {
        long[] ids = tokenizer.encode(String.join(" ", TestData.goldenCorpus().stream()
                .map(TestData.Golden::text).limit(200).toList()));
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        StringBuilder text = new StringBuilder();
        int maxWindow = 0;
        for (long id : ids) {
            text.append(decoder.push(id));
            maxWindow = Math.max(maxWindow, decoder.windowLength());
        }
        text.append(decoder.flush());
        assertEquals(tokenizer.decode(ids), text.toString());
        // Held back at most: one run of byte tokens (an emoji string can be dozens of bytes), plus
        // the few ids of the previous emission that serve as context.
        int longestByteRun = 0;
        for (int i = 0, run = 0; i < ids.length; i++) {
            run = tokenizer.tokenText(ids[i]).startsWith("<0x") ? run + 1 : 0;
            longestByteRun = Math.max(longestByteRun, run);
        }
        assertTrue(ids.length > 2000, ids.length + " ids");
        assertTrue(maxWindow <= longestByteRun + 8,
                "window up to " + maxWindow + " ids; longest byte run " + longestByteRun);
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && (i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1)))) {
                return true;
            }
            if (Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)))) {
                return true;
            }
        }
        return false;
    }
}
