/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import io.github.tinyllama.util.AtomicFiles;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.github.tinyllama.tokenizer.SentencePieceModel.ModelType;
import io.github.tinyllama.tokenizer.SentencePieceModel.Piece;
import io.github.tinyllama.tokenizer.SentencePieceModel.PieceType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a SentencePiece BPE model ({@code tokenizer.model}) into an HF {@code tokenizer.json}
 * plus {@code tokenizer_config.json} with Llama-2 semantics, for DJL's {@code HuggingFaceTokenizer}.
 *
 * <p>The layout follows HF's {@code LlamaConverter}: a byte-fallback BPE model whose merges are
 * derived from piece scores, special {@code <unk>}/{@code <s>}/{@code </s>}, a template adding
 * {@code <s>}, and the decoder chain Replace(▁→space), ByteFallback, Fuse, Strip(one leading space).
 *
 * <p>Whitespace handling differs from both HF variants so that plain text encodes exactly as
 * SentencePiece does, while text after a special token behaves as HF's {@code legacy=false}:
 *
 * <ul>
 *   <li>SentencePiece always prepends {@code ▁}, even to {@code " Hello"}. HF's legacy=false
 *       Metaspace skips the prefix when the text already starts with a space, which would encode
 *       {@code " Hello"} differently. So spaces become {@code ▁} in the normalizer, and a Metaspace
 *       whose replacement is a plain space (which no longer occurs) prepends unconditionally;
 *       a second Metaspace turns that space into {@code ▁}.
 *   <li>Metaspace's {@code prepend_scheme: first} prefixes only the segment at the start of the
 *       input, so in {@code "</s>\n<|user|>"} the text after {@code </s>} gets no {@code ▁}, as with
 *       HF legacy=false; HF's legacy {@code Prepend} normalizer would add one to every segment.
 * </ul>
 */
public final class SentencePieceConverter {

    /** File name of the HF tokenizer definition. */
    public static final String TOKENIZER_JSON = "tokenizer.json";

    /** File name of the HF tokenizer configuration. */
    public static final String TOKENIZER_CONFIG_JSON = "tokenizer_config.json";

    /**
     * Default {@code model_max_length}: HF writes 1e30 for "no limit", but Java readers (DJL
     * included) parse the value as an {@code int}, so the largest int stands in for it.
     */
    public static final long DEFAULT_MODEL_MAX_LENGTH = Integer.MAX_VALUE;

    private static final String SPACE_SYMBOL = "\u2581";
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private SentencePieceConverter() {}

    /**
     * Converts {@code tokenizerModel} into {@value #TOKENIZER_JSON} and {@value #TOKENIZER_CONFIG_JSON}
     * in {@code outDir}, with {@link #DEFAULT_MODEL_MAX_LENGTH}.
     *
     * @param tokenizerModel the SentencePiece model file
     * @param outDir the directory to write to; created if missing
     * @throws IOException if the model cannot be read, is not a supported BPE model, or the files
     *     cannot be written. Each file is written to a temporary file and renamed into place, and
     *     nothing is written unless conversion succeeds.
     */
    public static void convert(Path tokenizerModel, Path outDir) throws IOException {
        convert(tokenizerModel, outDir, DEFAULT_MODEL_MAX_LENGTH);
    }

    /**
     * Converts {@code tokenizerModel} as {@link #convert(Path, Path)} does, recording
     * {@code modelMaxLength} (the model's context length) in the configuration.
     *
     * @param tokenizerModel the SentencePiece model file
     * @param outDir the directory to write to; created if missing
     * @param modelMaxLength the {@code model_max_length} to record
     * @throws IOException as for {@link #convert(Path, Path)}
     */
    public static void convert(Path tokenizerModel, Path outDir, long modelMaxLength) throws IOException {
        SentencePieceModel model = SentencePieceModel.load(tokenizerModel);
        String tokenizerJson = toTokenizerJson(model, tokenizerModel.toString());
        String configJson = toTokenizerConfigJson(model, modelMaxLength);
        Files.createDirectories(outDir);
        AtomicFiles.writeString(outDir.resolve(TOKENIZER_JSON), tokenizerJson);
        AtomicFiles.writeString(outDir.resolve(TOKENIZER_CONFIG_JSON), configJson);
    }

    /**
     * Returns the {@value #TOKENIZER_JSON} content for a model.
     *
     * @param model a SentencePiece BPE model
     * @param source a name for the model (usually its path) used in error messages
     * @return the JSON text
     * @throws IOException if the model is not BPE or uses settings this conversion cannot reproduce
     */
    public static String toTokenizerJson(SentencePieceModel model, String source) throws IOException {
        checkSupported(model, source);
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        root.add("added_tokens", addedTokens(model));
        root.add("normalizer", normalizer());
        root.add("pre_tokenizer", preTokenizer(model));
        root.add("post_processor", postProcessor(model));
        root.add("decoder", decoder(model));
        root.add("model", bpeModel(model, source));
        return GSON.toJson(root);
    }

    /**
     * Returns the {@value #TOKENIZER_CONFIG_JSON} content for a model: BOS added, EOS not, no pad
     * token, as in Llama-2's configuration.
     *
     * @param model a SentencePiece model
     * @param modelMaxLength the {@code model_max_length} to record
     * @return the JSON text
     */
    public static String toTokenizerConfigJson(SentencePieceModel model, long modelMaxLength) {
        JsonObject config = new JsonObject();
        config.addProperty("tokenizer_class", "LlamaTokenizer");
        config.addProperty("add_bos_token", true);
        config.addProperty("add_eos_token", false);
        config.addProperty("bos_token", pieceOrNull(model, model.bosId()));
        config.addProperty("eos_token", pieceOrNull(model, model.eosId()));
        config.addProperty("unk_token", pieceOrNull(model, model.unkId()));
        config.add("pad_token", JsonNull.INSTANCE);
        config.addProperty("legacy", false);
        config.addProperty("clean_up_tokenization_spaces", false);
        config.addProperty("model_max_length", modelMaxLength);
        config.addProperty("padding_side", "right");
        return GSON.toJson(config);
    }

    private static void checkSupported(SentencePieceModel model, String source) throws IOException {
        List<String> problems = new ArrayList<>();
        if (model.modelType() != ModelType.BPE) {
            problems.add("it is a " + model.modelType() + " model; only BPE models (as used by Llama)"
                    + " can be converted");
        }
        if (model.hasPrecompiledCharsMap() || model.removeExtraWhitespaces()) {
            problems.add("its normalizer '" + model.normalizerName() + "' rewrites text"
                    + " (character map or whitespace removal); only the identity normalizer is supported");
        }
        if (!model.escapeWhitespaces() || model.treatWhitespaceAsSuffix()) {
            problems.add("it does not mark spaces as a '" + SPACE_SYMBOL + "' prefix");
        }
        if (!problems.isEmpty()) {
            throw new IOException("Cannot convert SentencePiece model " + source + ": "
                    + String.join("; ", problems));
        }
    }

    private static JsonArray addedTokens(SentencePieceModel model) {
        JsonArray tokens = new JsonArray();
        List<Piece> pieces = model.pieces();
        for (int id = 0; id < pieces.size(); id++) {
            PieceType type = pieces.get(id).type();
            boolean special = type == PieceType.CONTROL || type == PieceType.UNKNOWN;
            if (special || type == PieceType.USER_DEFINED) {
                JsonObject token = new JsonObject();
                token.addProperty("id", id);
                token.addProperty("content", pieces.get(id).text());
                token.addProperty("single_word", false);
                token.addProperty("lstrip", false);
                token.addProperty("rstrip", false);
                token.addProperty("normalized", false);
                token.addProperty("special", special);
                tokens.add(token);
            }
        }
        return tokens;
    }

    private static JsonObject normalizer() {
        return replace(" ", SPACE_SYMBOL);
    }

    private static JsonElement preTokenizer(SentencePieceModel model) {
        if (!model.addDummyPrefix()) {
            return JsonNull.INSTANCE;
        }
        JsonArray steps = new JsonArray();
        steps.add(metaspace(" ", "first"));
        steps.add(metaspace(SPACE_SYMBOL, "never"));
        JsonObject sequence = new JsonObject();
        sequence.addProperty("type", "Sequence");
        sequence.add("pretokenizers", steps);
        return sequence;
    }

    private static JsonObject metaspace(String replacement, String prependScheme) {
        JsonObject metaspace = new JsonObject();
        metaspace.addProperty("type", "Metaspace");
        metaspace.addProperty("replacement", replacement);
        metaspace.addProperty("prepend_scheme", prependScheme);
        metaspace.addProperty("split", false);
        return metaspace;
    }

    private static JsonElement postProcessor(SentencePieceModel model) {
        if (model.bosId() < 0) {
            return JsonNull.INSTANCE;
        }
        String bos = model.pieces().get(model.bosId()).text();
        JsonArray single = new JsonArray();
        single.add(specialToken(bos, 0));
        single.add(sequence("A", 0));
        JsonArray pair = single.deepCopy();
        pair.add(specialToken(bos, 1));
        pair.add(sequence("B", 1));

        JsonArray ids = new JsonArray();
        ids.add(model.bosId());
        JsonArray tokens = new JsonArray();
        tokens.add(bos);
        JsonObject bosEntry = new JsonObject();
        bosEntry.addProperty("id", bos);
        bosEntry.add("ids", ids);
        bosEntry.add("tokens", tokens);
        JsonObject specialTokens = new JsonObject();
        specialTokens.add(bos, bosEntry);

        JsonObject template = new JsonObject();
        template.addProperty("type", "TemplateProcessing");
        template.add("single", single);
        template.add("pair", pair);
        template.add("special_tokens", specialTokens);
        return template;
    }

    private static JsonObject specialToken(String id, int typeId) {
        return templatePiece("SpecialToken", id, typeId);
    }

    private static JsonObject sequence(String id, int typeId) {
        return templatePiece("Sequence", id, typeId);
    }

    private static JsonObject templatePiece(String kind, String id, int typeId) {
        JsonObject body = new JsonObject();
        body.addProperty("id", id);
        body.addProperty("type_id", typeId);
        JsonObject piece = new JsonObject();
        piece.add(kind, body);
        return piece;
    }

    private static JsonObject decoder(SentencePieceModel model) {
        JsonArray steps = new JsonArray();
        steps.add(replace(SPACE_SYMBOL, " "));
        steps.add(typeOnly("ByteFallback"));
        steps.add(typeOnly("Fuse"));
        if (model.addDummyPrefix()) {
            JsonObject strip = new JsonObject();
            strip.addProperty("type", "Strip");
            strip.addProperty("content", " ");
            strip.addProperty("start", 1);
            strip.addProperty("stop", 0);
            steps.add(strip);
        }
        JsonObject sequence = new JsonObject();
        sequence.addProperty("type", "Sequence");
        sequence.add("decoders", steps);
        return sequence;
    }

    private static JsonObject replace(String pattern, String content) {
        JsonObject patternObject = new JsonObject();
        patternObject.addProperty("String", pattern);
        JsonObject replace = new JsonObject();
        replace.addProperty("type", "Replace");
        replace.add("pattern", patternObject);
        replace.addProperty("content", content);
        return replace;
    }

    private static JsonObject typeOnly(String type) {
        JsonObject object = new JsonObject();
        object.addProperty("type", type);
        return object;
    }

    private static JsonObject bpeModel(SentencePieceModel model, String source) throws IOException {
        List<Piece> pieces = model.pieces();
        List<String> texts = new ArrayList<>(pieces.size());
        float[] scores = new float[pieces.size()];
        Map<String, Integer> ids = new HashMap<>();
        JsonObject vocab = new JsonObject();
        for (int id = 0; id < pieces.size(); id++) {
            String text = pieces.get(id).text();
            if (ids.putIfAbsent(text, id) != null) {
                throw new IOException("Cannot convert SentencePiece model " + source + ": piece '" + text
                        + "' occurs at both id " + ids.get(text) + " and id " + id);
            }
            texts.add(text);
            scores[id] = pieces.get(id).score();
            vocab.addProperty(text, id);
        }
        JsonArray merges = new JsonArray();
        for (BpeMerges.Merge merge : BpeMerges.derive(texts, scores, ids)) {
            JsonArray pair = new JsonArray();
            pair.add(merge.left());
            pair.add(merge.right());
            merges.add(pair);
        }
        JsonObject bpe = new JsonObject();
        bpe.addProperty("type", "BPE");
        bpe.add("dropout", JsonNull.INSTANCE);
        bpe.addProperty("unk_token", pieces.get(model.unkId()).text());
        bpe.add("continuing_subword_prefix", JsonNull.INSTANCE);
        bpe.add("end_of_word_suffix", JsonNull.INSTANCE);
        bpe.addProperty("fuse_unk", true);
        bpe.addProperty("byte_fallback", model.byteFallback());
        bpe.addProperty("ignore_merges", false);
        bpe.add("vocab", vocab);
        bpe.add("merges", merges);
        return bpe;
    }

    private static String pieceOrNull(SentencePieceModel model, int id) {
        return id < 0 ? null : model.pieces().get(id).text();
    }
}
