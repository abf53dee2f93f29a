/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import io.github.tinyllama.util.FileErrors;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Id-to-token information read from a {@code tokenizer.json}, which DJL's tokenizer does not expose:
 * token texts, which tokens are special (skipped when decoding) and which are byte-fallback tokens.
 */
final class TokenTable {

    private final String[] texts;
    private final boolean[] special;
    private final Map<String, Integer> ids;

    private TokenTable(String[] texts, boolean[] special, Map<String, Integer> ids) {
        this.texts = texts;
        this.special = special;
        this.ids = ids;
    }

    /**
     * Reads the model vocabulary and the added tokens, streaming past everything else (the merges
     * are most of the file and not needed here).
     */
    static TokenTable read(Reader json, String source) throws IOException {
        Map<String, Integer> ids = new HashMap<>();
        Map<Integer, Boolean> specialById = new HashMap<>();
        try (JsonReader in = new JsonReader(json)) {
            in.beginObject();
            while (in.hasNext()) {
                String name = in.nextName();
                if (name.equals("added_tokens")) {
                    readAddedTokens(in, ids, specialById);
                } else if (name.equals("model")) {
                    readModel(in, ids);
                } else {
                    in.skipValue();
                }
            }
            in.endObject();
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            // Gson reports syntax errors (IOException) and structure errors alike without the file name.
            String reason = e instanceof IOException io ? FileErrors.reason(Path.of(source), io) : e.getMessage();
            throw new IOException(source + ": not a valid tokenizer definition (" + reason + ")", e);
        }
        if (ids.isEmpty()) {
            throw new IOException(source + ": not a valid tokenizer definition (no vocabulary)");
        }
        int size = ids.values().stream().mapToInt(Integer::intValue).max().orElseThrow() + 1;
        String[] texts = new String[size];
        ids.forEach((text, id) -> texts[id] = text);
        boolean[] special = new boolean[size];
        specialById.forEach((id, isSpecial) -> special[id] = isSpecial);
        return new TokenTable(texts, special, ids);
    }

    private static void readAddedTokens(JsonReader in, Map<String, Integer> ids,
            Map<Integer, Boolean> specialById) throws IOException {
        in.beginArray();
        while (in.hasNext()) {
            Integer id = null;
            String content = null;
            boolean isSpecial = false;
            in.beginObject();
            while (in.hasNext()) {
                switch (in.nextName()) {
                    case "id":
                        id = in.nextInt();
                        break;
                    case "content":
                        content = in.nextString();
                        break;
                    case "special":
                        isSpecial = in.nextBoolean();
                        break;
                    default:
                        in.skipValue();
                }
            }
            in.endObject();
            if (id != null && content != null) {
                checkId(id, in);
                ids.put(content, id);
                specialById.put(id, isSpecial);
            }
        }
        in.endArray();
    }

    private static void readModel(JsonReader in, Map<String, Integer> ids) throws IOException {
        in.beginObject();
        while (in.hasNext()) {
            if (in.nextName().equals("vocab") && in.peek() == JsonToken.BEGIN_OBJECT) {
                in.beginObject();
                while (in.hasNext()) {
                    String text = in.nextName();
                    int id = in.nextInt();
                    checkId(id, in);
                    ids.putIfAbsent(text, id);
                }
                in.endObject();
            } else {
                in.skipValue();
            }
        }
        in.endObject();
    }

    private static void checkId(int id, JsonReader in) {
        if (id < 0) {
            throw new IllegalStateException("negative token id " + id + " at " + in.getPath());
        }
    }

    /** Returns one more than the largest token id. */
    int size() {
        return texts.length;
    }

    /** Returns the token's text, for example {@code ▁Hello} or {@code <0x0A>}. */
    String text(long id) {
        if (id < 0 || id >= texts.length || texts[(int) id] == null) {
            throw new IllegalArgumentException("No token with id " + id + " (vocabulary size "
                    + texts.length + ")");
        }
        return texts[(int) id];
    }

    /** Returns the id of a token text, or -1. */
    long id(String text) {
        return ids.getOrDefault(text, -1);
    }

    /** Returns whether decoding with skipSpecialTokens drops this token. */
    boolean isSpecial(long id) {
        return id >= 0 && id < special.length && special[(int) id];
    }

    /**
     * Returns whether the token stands for one raw byte. The test mirrors HF's ByteFallback decoder,
     * which looks at the token text alone: six characters, {@code <0x}, two hex digits, {@code >}.
     */
    boolean isByteFallback(long id) {
        if (id < 0 || id >= texts.length || texts[(int) id] == null) {
            return false;
        }
        String text = texts[(int) id];
        return text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")
                && isHexDigit(text.charAt(3)) && isHexDigit(text.charAt(4));
    }

    private static boolean isHexDigit(char c) {
        return Character.digit(c, 16) >= 0 && c < 128;
    }
}
