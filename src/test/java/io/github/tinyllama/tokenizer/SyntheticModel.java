/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds small SentencePiece {@code ModelProto}s in protobuf wire format, so model parsing and
 * conversion are tested without the real Llama model.
 */
final class SyntheticModel {

    private final List<byte[]> pieces = new ArrayList<>();
    private int modelType = 2;
    private boolean byteFallback = true;

    /** A tiny Llama-like BPE vocabulary: specials, two byte pieces, and pieces for "ab" and "▁ab". */
    static SyntheticModel tinyBpe() {
        return new SyntheticModel()
                .piece("<unk>", 0f, 2)
                .piece("<s>", 0f, 3)
                .piece("</s>", 0f, 3)
                .piece("<0x0A>", 0f, 6)
                .piece("<0xE2>", 0f, 6)
                .piece("\u2581", -1f, 1)
                .piece("a", -2f, 1)
                .piece("b", -3f, 1)
                .piece("ab", -4f, 1)
                .piece("\u2581a", -5f, 1)
                .piece("\u2581ab", -6f, 1);
    }

    SyntheticModel piece(String text, float score, int type) {
        ByteArrayOutputStream piece = new ByteArrayOutputStream();
        string(piece, 1, text);
        tag(piece, 2, 5);
        int bits = Float.floatToIntBits(score);
        for (int i = 0; i < 4; i++) {
            piece.write(bits >>> (8 * i));
        }
        tag(piece, 3, 0);
        varint(piece, type);
        pieces.add(piece.toByteArray());
        return this;
    }

    SyntheticModel modelType(int type) {
        modelType = type;
        return this;
    }

    SyntheticModel byteFallback(boolean enabled) {
        byteFallback = enabled;
        return this;
    }

    byte[] toBytes() {
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        for (byte[] piece : pieces) {
            message(model, 1, piece);
        }
        ByteArrayOutputStream trainer = new ByteArrayOutputStream();
        string(trainer, 2, "synthetic"); // an unknown-to-us field, to be skipped
        tag(trainer, 3, 0);
        varint(trainer, modelType);
        tag(trainer, 4, 0);
        varint(trainer, pieces.size());
        tag(trainer, 25, 0);
        varint(trainer, 1);
        tag(trainer, 35, 0);
        varint(trainer, byteFallback ? 1 : 0);
        tag(trainer, 43, 0);
        varint(trainer, -1L); // pad_id -1, as a 10-byte varint like protobuf writes it
        message(model, 2, trainer.toByteArray());
        ByteArrayOutputStream normalizer = new ByteArrayOutputStream();
        string(normalizer, 1, "identity");
        tag(normalizer, 4, 0);
        varint(normalizer, 0);
        message(model, 3, normalizer.toByteArray());
        return model.toByteArray();
    }

    static void tag(ByteArrayOutputStream out, int field, int wireType) {
        varint(out, (long) field << 3 | wireType);
    }

    static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) (value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static void string(ByteArrayOutputStream out, int field, String value) {
        message(out, field, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void message(ByteArrayOutputStream out, int field, byte[] body) {
        tag(out, field, 2);
        varint(out, body.length);
        out.writeBytes(body);
    }
}
