package io.github.tinyllama.checkpoint;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import io.github.tinyllama.util.FileErrors;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the JSON header of a safetensors file into raw entries, checking types but not offsets.
 *
 * <p>A streaming strict reader is used rather than a tree so that duplicate keys, trailing
 * garbage and non-integer numbers are caught instead of being silently accepted.
 */
final class SafetensorsHeader {
    static final String METADATA_KEY = "__metadata__";

    /** A tensor entry as written; {@code begin} and {@code end} are relative to the data section. */
    record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    final List<Entry> entries = new ArrayList<>();
    final Map<String, String> metadata = new LinkedHashMap<>();
    private final Path file;

    private SafetensorsHeader(Path file) {
        this.file = file;
    }

    static SafetensorsHeader parse(Path file, ByteBuffer utf8) throws CheckpointFormatException {
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(utf8)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(file + ": safetensors header is not valid UTF-8", e);
        }
        SafetensorsHeader header = new SafetensorsHeader(file);
        try (JsonReader reader = new JsonReader(new StringReader(json))) {
            reader.setStrictness(Strictness.STRICT);
            header.readTop(reader);
        } catch (CheckpointFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Gson reports syntax as MalformedJsonException and wrong token kinds as IllegalStateException.
            throw new CheckpointFormatException(file + ": safetensors header is "
                    + FileErrors.jsonReason(file, new IllegalStateException(e.getMessage(), e)), e);
        }
        return header;
    }

    private void readTop(JsonReader reader) throws IOException {
        if (reader.peek() != JsonToken.BEGIN_OBJECT) {
            throw fail("safetensors header is not a JSON object (found " + reader.peek() + ")");
        }
        reader.beginObject();
        Set<String> seen = new HashSet<>();
        while (reader.hasNext()) {
            String key = reader.nextName();
            if (!seen.add(key)) {
                throw fail("safetensors header has duplicate key \"" + key + "\"");
            }
            if (key.equals(METADATA_KEY)) {
                readMetadata(reader);
            } else {
                entries.add(readEntry(reader, key));
            }
        }
        reader.endObject();
        if (reader.peek() != JsonToken.END_DOCUMENT) {
            throw fail("safetensors header has content after the JSON object");
        }
    }

    private void readMetadata(JsonReader reader) throws IOException {
        expect(reader, JsonToken.BEGIN_OBJECT, METADATA_KEY + " must be an object of strings");
        reader.beginObject();
        while (reader.hasNext()) {
            String key = reader.nextName();
            expect(reader, JsonToken.STRING, METADATA_KEY + " value for \"" + key + "\" must be a string");
            metadata.put(key, reader.nextString());
        }
        reader.endObject();
    }

    private Entry readEntry(JsonReader reader, String name) throws IOException {
        String where = "tensor \"" + name + "\"";
        expect(reader, JsonToken.BEGIN_OBJECT, where + ": entry must be an object");
        reader.beginObject();
        DType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        while (reader.hasNext()) {
            String field = reader.nextName();
            switch (field) {
                case "dtype" -> {
                    expect(reader, JsonToken.STRING, where + ": dtype must be a string");
                    String dt = reader.nextString();
                    try {
                        dtype = DType.fromSafetensors(dt);
                    } catch (IllegalArgumentException e) {
                        throw fail(where + ": " + e.getMessage());
                    }
                }
                case "shape" -> shape = readLongArray(reader, where + ": shape");
                case "data_offsets" -> offsets = readLongArray(reader, where + ": data_offsets");
                default -> reader.skipValue();
            }
        }
        reader.endObject();
        if (dtype == null || shape == null || offsets == null) {
            throw fail(where + ": entry lacks " + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
        }
        for (long d : shape) {
            if (d < 0) {
                throw fail(where + ": negative dimension " + d + " in shape");
            }
        }
        if (offsets.length != 2) {
            throw fail(where + ": data_offsets must hold exactly 2 numbers, found " + offsets.length);
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    /** Reads an array of JSON integers; decimals, exponents and values beyond a long are refused. */
    private long[] readLongArray(JsonReader reader, String what) throws IOException {
        expect(reader, JsonToken.BEGIN_ARRAY, what + " must be an array of integers");
        reader.beginArray();
        List<Long> values = new ArrayList<>();
        while (reader.hasNext()) {
            expect(reader, JsonToken.NUMBER, what + " must be an array of integers");
            String literal = reader.nextString();
            try {
                values.add(Long.parseLong(literal));
            } catch (NumberFormatException e) {
                throw fail(what + " holds " + literal + ", which is not an integer in the range of a long");
            }
        }
        reader.endArray();
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private void expect(JsonReader reader, JsonToken token, String message) throws IOException {
        JsonToken actual = reader.peek();
        if (actual != token) {
            throw fail(message + " (found " + actual + ")");
        }
    }

    private CheckpointFormatException fail(String message) {
        return new CheckpointFormatException(file + ": " + message);
    }
}
