/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.github.tinyllama.util.FileErrors;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Llama-2 tokenizer over DJL's {@link HuggingFaceTokenizer}.
 *
 * <p>Semantics are those of Llama-2 generation, whatever the {@code tokenizer.json} and
 * {@code tokenizer_config.json} say about truncation or padding: {@code <s>} is prepended on request,
 * {@code </s>} is never appended, input of any length is encoded in full (DJL would otherwise cut it
 * to 512 tokens), and nothing is padded. The literal texts of special tokens ({@code <s>},
 * {@code </s>}, {@code <unk>}) in the input become those tokens, as in HF. Characters missing from the
 * vocabulary are encoded as UTF-8 byte tokens.
 */
public final class LlamaTokenizer implements AutoCloseable {

    /** File name of a SentencePiece model in a model directory. */
    public static final String TOKENIZER_MODEL = "tokenizer.model";

    private static final long DEFAULT_BOS_ID = 1;
    private static final long DEFAULT_EOS_ID = 2;

    /** Settings that override whatever the file asks for; addSpecialTokens is chosen per call. */
    private static final Map<String, String> OPTIONS =
            Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final TokenTable tokens;
    private final long bosId;
    private final long eosId;

    private LlamaTokenizer(HuggingFaceTokenizer tokenizer, TokenTable tokens, long bosId, long eosId) {
        this.tokenizer = tokenizer;
        this.tokens = tokens;
        this.bosId = bosId;
        this.eosId = eosId;
    }

    /**
     * Loads a tokenizer.
     *
     * <p>{@code path} may be a model directory, in which case {@code tokenizer.json} is used if present
     * and otherwise {@code tokenizer.model} is converted; or a {@code tokenizer.json} file; or a
     * SentencePiece model file. A SentencePiece model is converted in memory, so no temporary files
     * are left behind. BOS and EOS come from {@code tokenizer_config.json} next to the JSON file if
     * it names them, else from the {@code <s>} and {@code </s>} added tokens, else ids 1 and 2.
     *
     * @param path a model directory or tokenizer file
     * @return the tokenizer; close it to free native memory
     * @throws IOException if no tokenizer is found (the message names the directory and the files
     *     looked for) or the files are invalid
     */
    public static LlamaTokenizer load(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path json = path.resolve(SentencePieceConverter.TOKENIZER_JSON);
            if (Files.isRegularFile(json)) {
                return fromJsonFile(json);
            }
            Path model = path.resolve(TOKENIZER_MODEL);
            if (Files.isRegularFile(model)) {
                return fromSentencePiece(model);
            }
            throw new NoSuchFileException(path.toString(), null, "no tokenizer in directory: looked for "
                    + SentencePieceConverter.TOKENIZER_JSON + " and " + TOKENIZER_MODEL);
        }
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such tokenizer file or model directory");
        }
        return path.getFileName().toString().endsWith(".json") ? fromJsonFile(path) : fromSentencePiece(path);
    }

    private static LlamaTokenizer fromJsonFile(Path json) throws IOException {
        TokenTable tokens;
        try (Reader reader = Files.newBufferedReader(json, StandardCharsets.UTF_8)) {
            tokens = TokenTable.read(reader, json.toString());
        }
        Path configFile = json.resolveSibling(SentencePieceConverter.TOKENIZER_CONFIG_JSON);
        JsonObject config = Files.isRegularFile(configFile)
                ? parseConfig(FileErrors.readString(configFile), configFile.toString())
                : new JsonObject();
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(json, OPTIONS);
        } catch (RuntimeException e) {
            // The native library rejects a JSON that is no tokenizer with a message lacking the path.
            throw new IOException(json + ": not a valid tokenizer definition (" + e.getMessage() + ")", e);
        }
        return create(tokenizer, tokens, config);
    }

    private static LlamaTokenizer fromSentencePiece(Path modelFile) throws IOException {
        SentencePieceModel model = SentencePieceModel.load(modelFile);
        String json = SentencePieceConverter.toTokenizerJson(model, modelFile.toString());
        String config = SentencePieceConverter.toTokenizerConfigJson(
                model, SentencePieceConverter.DEFAULT_MODEL_MAX_LENGTH);
        TokenTable tokens = TokenTable.read(new StringReader(json), modelFile.toString());
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
                new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), OPTIONS);
        return create(tokenizer, tokens, parseConfig(config, modelFile.toString()));
    }

    private static LlamaTokenizer create(HuggingFaceTokenizer tokenizer, TokenTable tokens, JsonObject config) {
        long bos = specialTokenId(config, "bos_token", "<s>", DEFAULT_BOS_ID, tokens);
        long eos = specialTokenId(config, "eos_token", "</s>", DEFAULT_EOS_ID, tokens);
        return new LlamaTokenizer(tokenizer, tokens, bos, eos);
    }

    private static JsonObject parseConfig(String json, String source) throws IOException {
        try {
            return JsonParser.parseString(json).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IOException(source + ": not a valid tokenizer configuration: "
                    + FileErrors.jsonReason(Path.of(source), e), e);
        }
    }

    /** Config values are either a token string or, in older files, an object with "content". */
    private static long specialTokenId(JsonObject config, String key, String defaultText, long defaultId,
            TokenTable tokens) {
        JsonElement value = config.get(key);
        if (value != null && value.isJsonObject()) {
            value = value.getAsJsonObject().get("content");
        }
        if (value != null && value.isJsonPrimitive()) {
            long id = tokens.id(value.getAsString());
            if (id >= 0) {
                return id;
            }
        }
        long id = tokens.id(defaultText);
        return id >= 0 ? id : defaultId;
    }

    /**
     * Encodes text for generation, with {@code <s>} in front.
     *
     * @param text any text, of any length
     * @return the token ids
     */
    public long[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Encodes text.
     *
     * @param text any text, of any length
     * @param addBos whether to prepend the {@code <s>} id
     * @return the token ids; {@code </s>} is never appended
     */
    public long[] encode(String text, boolean addBos) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        if (!addBos) {
            return ids;
        }
        long[] withBos = new long[ids.length + 1];
        withBos[0] = bosId;
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    /**
     * Decodes ids to text, dropping special tokens. As in Llama, the space that the first token's
     * {@code ▁} stands for is dropped, so {@code decode(encode(" x"))} is {@code " x"} but the dummy
     * prefix added by encoding does not appear.
     *
     * @param ids token ids
     * @return the text
     */
    public String decode(long[] ids) {
        return decode(ids, true);
    }

    /**
     * Decodes ids to text.
     *
     * @param ids token ids
     * @param skipSpecialTokens whether to drop {@code <s>}, {@code </s>} and {@code <unk>}
     * @return the text; invalid UTF-8 from byte tokens becomes U+FFFD, one per byte
     */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    /** Returns the number of token ids (one more than the largest id). */
    public int vocabSize() {
        return tokens.size();
    }

    /** Returns the id of the beginning-of-sequence token {@code <s>}. */
    public long bosId() {
        return bosId;
    }

    /** Returns the id of the end-of-sequence token {@code </s>}. */
    public long eosId() {
        return eosId;
    }

    /**
     * Returns a token's vocabulary entry.
     *
     * @param id a token id
     * @return the raw token text, for example {@code ▁Hello}, {@code <0x0A>} or {@code </s>}
     * @throws IllegalArgumentException if no token has this id
     */
    public String tokenText(long id) {
        return tokens.text(id);
    }

    /**
     * Returns a decoder for text generated one token at a time.
     *
     * @return a new decoder over this tokenizer, which must stay open while it is used
     */
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(this);
    }

    boolean isSpecial(long id) {
        return tokens.isSpecial(id);
    }

    boolean isByteFallback(long id) {
        return tokens.isByteFallback(id);
    }

    /** Frees the native tokenizer. */
    @Override
    public void close() {
        tokenizer.close();
    }
}
