/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code ModelProto} ({@code tokenizer.model}) that matter for
 * tokenization: the pieces and the trainer and normalizer settings.
 *
 * <p>The protobuf is decoded by hand so the project does not need protobuf-java; unknown fields are
 * skipped, as protobuf requires. Field numbers and defaults follow {@code sentencepiece_model.proto}.
 */
public final class SentencePieceModel {

    /** Refuse files this large before reading them: real models are a few MB, and this bounds memory. */
    private static final long MAX_FILE_SIZE = 256L << 20;

    /** The kind of a piece ({@code SentencePiece.Type}). */
    public enum PieceType {
        NORMAL(1),
        UNKNOWN(2),
        CONTROL(3),
        USER_DEFINED(4),
        UNUSED(5),
        BYTE(6);

        private final int number;

        PieceType(int number) {
            this.number = number;
        }

        static PieceType of(int number) {
            for (PieceType t : values()) {
                if (t.number == number) {
                    return t;
                }
            }
            return null;
        }
    }

    /** The segmentation algorithm ({@code TrainerSpec.ModelType}). */
    public enum ModelType {
        UNIGRAM(1),
        BPE(2),
        WORD(3),
        CHAR(4);

        private final int number;

        ModelType(int number) {
            this.number = number;
        }

        static ModelType of(int number) {
            for (ModelType t : values()) {
                if (t.number == number) {
                    return t;
                }
            }
            return null;
        }
    }

    /**
     * One vocabulary entry; its id is its index in {@link #pieces()}.
     *
     * @param text the piece, with spaces written as {@code ▁} and bytes as {@code <0xAB>}
     * @param score the piece's score (log probability for unigram, merge priority for BPE)
     * @param type the piece's kind
     */
    public record Piece(String text, float score, PieceType type) {}

    private final List<Piece> pieces;
    private final ModelType modelType;
    private final int trainerVocabSize;
    private final boolean byteFallback;
    private final boolean splitDigits;
    private final boolean splitByWhitespace;
    private final boolean treatWhitespaceAsSuffix;
    private final int unkId;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final String normalizerName;
    private final boolean precompiledCharsMap;
    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;

    private SentencePieceModel(Parser p) {
        pieces = List.copyOf(p.pieces);
        modelType = p.modelType;
        trainerVocabSize = p.trainerVocabSize;
        byteFallback = p.byteFallback;
        splitDigits = p.splitDigits;
        splitByWhitespace = p.splitByWhitespace;
        treatWhitespaceAsSuffix = p.treatWhitespaceAsSuffix;
        unkId = p.unkId;
        bosId = p.bosId;
        eosId = p.eosId;
        padId = p.padId;
        normalizerName = p.normalizerName;
        precompiledCharsMap = p.precompiledCharsMap;
        addDummyPrefix = p.addDummyPrefix;
        removeExtraWhitespaces = p.removeExtraWhitespaces;
        escapeWhitespaces = p.escapeWhitespaces;
    }

    /**
     * Reads a {@code tokenizer.model} file.
     *
     * @param file the serialized {@code ModelProto}
     * @return the parsed model
     * @throws IOException if the file cannot be read or is not a valid model; the message names the
     *     file and the problem
     */
    public static SentencePieceModel load(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_SIZE) {
            throw new IOException(file + ": not a valid SentencePiece model (" + size
                    + " bytes is far larger than any SentencePiece model (limit " + MAX_FILE_SIZE + "))");
        }
        return parse(Files.readAllBytes(file), file.toString());
    }

    /**
     * Parses a serialized {@code ModelProto}.
     *
     * @param data the bytes of the model
     * @param source a name for the data (usually the file path) used in error messages
     * @return the parsed model
     * @throws IOException if the bytes are not a valid model
     */
    public static SentencePieceModel parse(byte[] data, String source) throws IOException {
        Parser parser = new Parser(source);
        parser.readModel(ProtoReader.of(data, source, "ModelProto"));
        parser.validate();
        return new SentencePieceModel(parser);
    }

    /** Returns the pieces; a piece's id is its index. */
    public List<Piece> pieces() {
        return pieces;
    }

    /** Returns the segmentation algorithm. */
    public ModelType modelType() {
        return modelType;
    }

    /** Returns the vocabulary size requested at training time ({@code trainer_spec.vocab_size}). */
    public int trainerVocabSize() {
        return trainerVocabSize;
    }

    /** Returns whether unknown characters are encoded as {@code <0xAB>} byte pieces. */
    public boolean byteFallback() {
        return byteFallback;
    }

    /** Returns whether training kept digits in separate pieces. */
    public boolean splitDigits() {
        return splitDigits;
    }

    /** Returns whether training split words at whitespace. */
    public boolean splitByWhitespace() {
        return splitByWhitespace;
    }

    /** Returns whether {@code ▁} attaches to the end rather than the start of a word. */
    public boolean treatWhitespaceAsSuffix() {
        return treatWhitespaceAsSuffix;
    }

    /** Returns the id of the unknown piece. */
    public int unkId() {
        return unkId;
    }

    /** Returns the id of the beginning-of-sequence piece, or -1 if there is none. */
    public int bosId() {
        return bosId;
    }

    /** Returns the id of the end-of-sequence piece, or -1 if there is none. */
    public int eosId() {
        return eosId;
    }

    /** Returns the id of the padding piece, or -1 if there is none. */
    public int padId() {
        return padId;
    }

    /** Returns the normalization rule name, for example {@code identity} or {@code nmt_nfkc}. */
    public String normalizerName() {
        return normalizerName;
    }

    /** Returns whether the normalizer carries a compiled character map (a non-identity rule). */
    public boolean hasPrecompiledCharsMap() {
        return precompiledCharsMap;
    }

    /** Returns whether a {@code ▁} is prepended to the input before segmentation. */
    public boolean addDummyPrefix() {
        return addDummyPrefix;
    }

    /** Returns whether leading, trailing and repeated whitespace is removed. */
    public boolean removeExtraWhitespaces() {
        return removeExtraWhitespaces;
    }

    /** Returns whether spaces are replaced by {@code ▁}. */
    public boolean escapeWhitespaces() {
        return escapeWhitespaces;
    }

    /** Accumulates fields while reading; defaults are those of {@code sentencepiece_model.proto}. */
    private static final class Parser {
        private final String source;
        private final List<Piece> pieces = new ArrayList<>();
        private ModelType modelType = ModelType.UNIGRAM;
        private int trainerVocabSize = 8000;
        private boolean byteFallback;
        private boolean splitDigits;
        private boolean splitByWhitespace = true;
        private boolean treatWhitespaceAsSuffix;
        private int unkId;
        private int bosId = 1;
        private int eosId = 2;
        private int padId = -1;
        private String normalizerName = "";
        private boolean precompiledCharsMap;
        private boolean addDummyPrefix = true;
        private boolean removeExtraWhitespaces = true;
        private boolean escapeWhitespaces = true;

        Parser(String source) {
            this.source = source;
        }

        void readModel(ProtoReader in) throws IOException {
            while (in.hasMore()) {
                int tag = in.readTag();
                switch (ProtoReader.fieldNumber(tag)) {
                    case 1:
                        pieces.add(readPiece(in.readMessage(tag, "SentencePiece #" + pieces.size())));
                        break;
                    case 2:
                        readTrainerSpec(in.readMessage(tag, "TrainerSpec"));
                        break;
                    case 3:
                        readNormalizerSpec(in.readMessage(tag, "NormalizerSpec"));
                        break;
                    default:
                        in.skipField(tag);
                }
            }
        }

        private Piece readPiece(ProtoReader in) throws IOException {
            String text = null;
            float score = 0f;
            PieceType type = PieceType.NORMAL;
            while (in.hasMore()) {
                int tag = in.readTag();
                switch (ProtoReader.fieldNumber(tag)) {
                    case 1:
                        text = in.readString(tag);
                        break;
                    case 2:
                        score = in.readFloat(tag);
                        break;
                    case 3:
                        int number = in.readInt32(tag);
                        type = PieceType.of(number);
                        if (type == null) {
                            throw error("piece #" + pieces.size() + " has unknown type " + number);
                        }
                        break;
                    default:
                        in.skipField(tag);
                }
            }
            if (text == null || text.isEmpty()) {
                throw error("piece #" + pieces.size() + " has no text");
            }
            return new Piece(text, score, type);
        }

        private void readTrainerSpec(ProtoReader in) throws IOException {
            while (in.hasMore()) {
                int tag = in.readTag();
                switch (ProtoReader.fieldNumber(tag)) {
                    case 3:
                        int number = in.readInt32(tag);
                        modelType = ModelType.of(number);
                        if (modelType == null) {
                            throw error("unknown model_type " + number);
                        }
                        break;
                    case 4:
                        trainerVocabSize = in.readInt32(tag);
                        break;
                    case 22:
                        splitByWhitespace = in.readBool(tag);
                        break;
                    case 24:
                        treatWhitespaceAsSuffix = in.readBool(tag);
                        break;
                    case 25:
                        splitDigits = in.readBool(tag);
                        break;
                    case 35:
                        byteFallback = in.readBool(tag);
                        break;
                    case 40:
                        unkId = in.readInt32(tag);
                        break;
                    case 41:
                        bosId = in.readInt32(tag);
                        break;
                    case 42:
                        eosId = in.readInt32(tag);
                        break;
                    case 43:
                        padId = in.readInt32(tag);
                        break;
                    default:
                        in.skipField(tag);
                }
            }
        }

        private void readNormalizerSpec(ProtoReader in) throws IOException {
            while (in.hasMore()) {
                int tag = in.readTag();
                switch (ProtoReader.fieldNumber(tag)) {
                    case 1:
                        normalizerName = in.readString(tag);
                        break;
                    case 2:
                        precompiledCharsMap = in.readMessage(tag, "precompiled_charsmap").hasMore();
                        break;
                    case 3:
                        addDummyPrefix = in.readBool(tag);
                        break;
                    case 4:
                        removeExtraWhitespaces = in.readBool(tag);
                        break;
                    case 5:
                        escapeWhitespaces = in.readBool(tag);
                        break;
                    default:
                        in.skipField(tag);
                }
            }
        }

        void validate() throws IOException {
            if (pieces.isEmpty()) {
                throw error("it contains no pieces (empty file or not a ModelProto)");
            }
            checkId("unk_id", unkId, false);
            checkId("bos_id", bosId, true);
            checkId("eos_id", eosId, true);
            checkId("pad_id", padId, true);
        }

        private void checkId(String name, int id, boolean optional) throws IOException {
            if ((optional && id == -1) || (id >= 0 && id < pieces.size())) {
                return;
            }
            throw error(name + " " + id + " is outside the " + pieces.size() + " pieces");
        }

        private IOException error(String problem) {
            return new IOException(source + ": not a valid SentencePiece model (" + problem + ")");
        }
    }
}
