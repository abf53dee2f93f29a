/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import io.github.tinyllama.testing.SharedTokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.tokenizer.SentencePieceModel.ModelType;
import io.github.tinyllama.tokenizer.SentencePieceModel.PieceType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SentencePieceModelTest {

    @TempDir
    Path dir;

    @Test
    void readsLlamaModel() throws IOException {
        SharedTokenizer.require();
        SentencePieceModel model = SentencePieceModel.load(SharedTokenizer.PATH);
        assertEquals(32000, model.pieces().size());
        assertEquals(ModelType.BPE, model.modelType());
        assertTrue(model.byteFallback());
        assertTrue(model.splitDigits());
        assertTrue(model.splitByWhitespace());
        assertFalse(model.treatWhitespaceAsSuffix());
        assertEquals(0, model.unkId());
        assertEquals(1, model.bosId());
        assertEquals(2, model.eosId());
        assertEquals(-1, model.padId());
        assertEquals("identity", model.normalizerName());
        assertFalse(model.hasPrecompiledCharsMap());
        assertTrue(model.addDummyPrefix());
        assertFalse(model.removeExtraWhitespaces());
        assertTrue(model.escapeWhitespaces());
        assertEquals(new SentencePieceModel.Piece("<unk>", 0f, PieceType.UNKNOWN), model.pieces().get(0));
        assertEquals(PieceType.CONTROL, model.pieces().get(1).type());
        assertEquals("</s>", model.pieces().get(2).text());
        for (int b = 0; b < 256; b++) {
            SentencePieceModel.Piece piece = model.pieces().get(3 + b);
            assertEquals(String.format("<0x%02X>", b), piece.text());
            assertEquals(PieceType.BYTE, piece.type());
        }
        assertEquals("\u2581", model.pieces().get(29871).text());
        assertEquals(-1e9f, model.pieces().get(29871).score());
    }

    @Test
    void readsSyntheticModelAndDefaults() throws IOException {
        SentencePieceModel model = SentencePieceModel.parse(SyntheticModel.tinyBpe().toBytes(), "tiny");
        assertEquals(11, model.pieces().size());
        assertEquals(new SentencePieceModel.Piece("\u2581ab", -6f, PieceType.NORMAL), model.pieces().get(10));
        assertEquals(ModelType.BPE, model.modelType());
        assertTrue(model.splitDigits());
        assertEquals(-1, model.padId());
        // Fields absent from the bytes take the proto defaults.
        assertEquals(0, model.unkId());
        assertEquals(1, model.bosId());
        assertEquals(2, model.eosId());
        assertTrue(model.splitByWhitespace());
        assertTrue(model.addDummyPrefix());
        assertTrue(model.escapeWhitespaces());
        assertFalse(model.removeExtraWhitespaces());
    }

    @Test
    void emptyFileIsRejected() throws IOException {
        Path file = Files.write(dir.resolve("empty.model"), new byte[0]);
        IOException e = assertThrows(IOException.class, () -> SentencePieceModel.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("no pieces"), e.getMessage());
    }

    @Test
    void truncatedFileNamesFileAndProblem() throws IOException {
        byte[] bytes = SyntheticModel.tinyBpe().toBytes();
        // Cutting the last byte always lands inside the trailing normalizer_spec message.
        Path file = Files.write(dir.resolve("cut.model"), Arrays.copyOf(bytes, bytes.length - 1));
        IOException e = assertThrows(IOException.class, () -> SentencePieceModel.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("NormalizerSpec") || e.getMessage().contains("ModelProto"),
                e.getMessage());
    }

    /**
     * Every prefix of a valid model either fails with an IOException naming the source or, when the
     * cut falls exactly between fields, parses (protobuf cannot tell such a prefix from a smaller
     * model). Nothing else, such as an index exception, may escape.
     */
    @Test
    void everyTruncationFailsCleanly() {
        byte[] bytes = SyntheticModel.tinyBpe().toBytes();
        int failures = 0;
        for (int cut = 0; cut < bytes.length; cut++) {
            try {
                SentencePieceModel.parse(Arrays.copyOf(bytes, cut), "cut-" + cut);
            } catch (IOException e) {
                assertTrue(e.getMessage().contains("cut-" + cut), e.getMessage());
                failures++;
            }
        }
        assertTrue(failures > bytes.length / 2, "only " + failures + " of " + bytes.length + " cuts failed");
    }

    @Test
    void truncatedLlamaModelFails() throws IOException {
        SharedTokenizer.require();
        byte[] bytes = Files.readAllBytes(SharedTokenizer.PATH);
        Path file = Files.write(dir.resolve("tokenizer.model"), Arrays.copyOf(bytes, bytes.length / 2 + 3));
        IOException e = assertThrows(IOException.class, () -> SentencePieceModel.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void hugeLengthIsRejectedWithoutAllocating() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SyntheticModel.tag(out, 1, 2);
        SyntheticModel.varint(out, Integer.MAX_VALUE);
        IOException e = assertThrows(IOException.class,
                () -> SentencePieceModel.parse(out.toByteArray(), "huge.model"));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"wire type", "invalid field number", "unknown type", "UTF-8", "varint"})
    void malformedFieldsAreReported(String problem) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (problem) {
            case "wire type":
                SyntheticModel.tag(out, 1, 0); // pieces must be length-delimited
                out.write(1);
                break;
            case "invalid field number":
                out.write(0x02); // field 0
                out.write(0);
                break;
            case "unknown type":
                out.writeBytes(new SyntheticModel().piece("x", 0f, 9).toBytes());
                break;
            case "UTF-8":
                SyntheticModel.tag(out, 1, 2);
                out.write(4);
                SyntheticModel.tag(out, 1, 2);
                out.write(2);
                out.write(0xC3); // a lone lead byte
                out.write(0x28);
                break;
            default:
                for (int i = 0; i < 11; i++) {
                    out.write(0xFF);
                }
        }
        IOException e = assertThrows(IOException.class,
                () -> SentencePieceModel.parse(out.toByteArray(), "bad.model"));
        assertTrue(e.getMessage().contains("bad.model"), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    /** Random corruption must only ever produce an IOException (or, by chance, a valid model). */
    @Test
    void randomCorruptionNeverEscapesAsOtherExceptions() {
        byte[] original = SyntheticModel.tinyBpe().toBytes();
        Random random = new Random(42);
        for (int i = 0; i < 5000; i++) {
            byte[] bytes = original.clone();
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            try {
                SentencePieceModel.parse(bytes, "fuzz");
            } catch (IOException expected) {
                assertTrue(expected.getMessage().contains("fuzz"));
            }
        }
    }
}
