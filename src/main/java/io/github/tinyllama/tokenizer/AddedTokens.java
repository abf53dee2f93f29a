/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.github.tinyllama.util.AtomicFiles;
import io.github.tinyllama.util.FileErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Extends a tokenizer with new whole tokens, as {@code tokenizer.add_tokens} does in transformers:
 * each new text gets the next free id, in {@code tokenizer.json}'s {@code added_tokens} (and in
 * {@code tokenizer_config.json}'s {@code added_tokens_decoder} where the file has one).
 *
 * <p>The tokens are matched in raw text ({@code normalized: false}) and are not special, so decoding
 * keeps them as text and stop strings such as ChatML's {@code <|im_end|>} still see them. Texts the
 * vocabulary already has are left as they are.
 */
public final class AddedTokens {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private AddedTokens() {}

    /**
     * Writes {@code modelDir}'s tokenizer, extended, into {@code outDir}.
     *
     * @param modelDir a model directory with {@code tokenizer.json} or {@code tokenizer.model}
     * @param outDir where {@code tokenizer.json} and {@code tokenizer_config.json} go (may be {@code modelDir})
     * @param texts the tokens to add, in order
     * @return the vocabulary size afterwards
     * @throws IOException if the tokenizer cannot be read or written
     */
    public static int write(Path modelDir, Path outDir, List<String> texts) throws IOException {
        Path json = modelDir.resolve(SentencePieceConverter.TOKENIZER_JSON);
        Path config = modelDir.resolve(SentencePieceConverter.TOKENIZER_CONFIG_JSON);
        if (!Files.isRegularFile(json)) {
            Files.createDirectories(outDir);
            SentencePieceConverter.convert(modelDir.resolve(LlamaTokenizer.TOKENIZER_MODEL), outDir);
            json = outDir.resolve(SentencePieceConverter.TOKENIZER_JSON);
            config = outDir.resolve(SentencePieceConverter.TOKENIZER_CONFIG_JSON);
        }
        int size;
        try (LlamaTokenizer tokenizer = LlamaTokenizer.load(json)) {
            size = tokenizer.vocabSize();
        }
        JsonObject tokenizerJson = parse(json);
        JsonObject configJson = Files.isRegularFile(config) ? parse(config) : new JsonObject();
        JsonArray added = tokenizerJson.has("added_tokens") ? tokenizerJson.getAsJsonArray("added_tokens") : new JsonArray();
        JsonObject vocab = tokenizerJson.getAsJsonObject("model").getAsJsonObject("vocab");
        JsonObject decoder = configJson.has("added_tokens_decoder") ? configJson.getAsJsonObject("added_tokens_decoder") : null;
        for (String text : texts) {
            if (text.isEmpty()) {
                throw new IllegalArgumentException("an added token must not be empty");
            }
            if (vocab.has(text) || contains(added, text)) {
                continue;
            }
            JsonObject token = token(text);
            token.addProperty("id", size);
            added.add(token);
            if (decoder != null) {
                decoder.add(String.valueOf(size), token(text));
            }
            size++;
        }
        tokenizerJson.add("added_tokens", added);
        Files.createDirectories(outDir);
        AtomicFiles.writeString(outDir.resolve(SentencePieceConverter.TOKENIZER_JSON), GSON.toJson(tokenizerJson));
        AtomicFiles.writeString(outDir.resolve(SentencePieceConverter.TOKENIZER_CONFIG_JSON), GSON.toJson(configJson));
        return size;
    }

    private static JsonObject token(String text) {
        JsonObject token = new JsonObject();
        token.addProperty("content", text);
        token.addProperty("single_word", false);
        token.addProperty("lstrip", false);
        token.addProperty("rstrip", false);
        token.addProperty("normalized", false);
        token.addProperty("special", false);
        return token;
    }

    private static boolean contains(JsonArray added, String text) {
        for (JsonElement token : added) {
            if (text.equals(token.getAsJsonObject().get("content").getAsString())) {
                return true;
            }
        }
        return false;
    }

    private static JsonObject parse(Path file) throws IOException {
        try {
            return JsonParser.parseString(FileErrors.readString(file)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IOException(file + ": not a valid tokenizer file (" + e.getMessage() + ")", e);
        }
    }
}
