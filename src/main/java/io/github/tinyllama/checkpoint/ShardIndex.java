package io.github.tinyllama.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;

import io.github.tinyllama.util.FileErrors;
import io.github.tinyllama.util.RepoPaths;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed {@code model.safetensors.index.json}: which shard file holds each tensor.
 *
 * @param file the index file
 * @param metadata its {@code metadata} object, values as strings (numbers such as
 *     {@code total_size} are given in their JSON spelling)
 * @param weightMap tensor name to shard path, in index order; every path lies in the index's directory
 */
public record ShardIndex(Path file, Map<String, String> metadata, Map<String, Path> weightMap) {

    /**
     * Reads an index, refusing any {@code weight_map} entry that is not a plain file name beside it.
     *
     * @param file the index file
     * @return the parsed index
     * @throws CheckpointFormatException if the index is malformed or names a file elsewhere; the
     *     message names the file and the tensor's entry
     * @throws IOException if the file cannot be read
     */
    public static ShardIndex read(Path file) throws IOException {
        JsonElement root;
        try (Reader in = Files.newBufferedReader(file)) {
            JsonReader reader = new JsonReader(in);
            reader.setStrictness(Strictness.STRICT);
            root = JsonParser.parseReader(reader);
        } catch (JsonParseException | IllegalStateException e) {
            throw new CheckpointFormatException(file + ": index is " + FileErrors.jsonReason(file, e), e);
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(file + ": index is not valid UTF-8", e);
        } catch (IOException e) {
            throw FileErrors.named(file, e);
        }
        if (!root.isJsonObject()) {
            throw new CheckpointFormatException(file + ": index is not a JSON object");
        }
        JsonElement weights = root.getAsJsonObject().get("weight_map");
        if (weights == null || !weights.isJsonObject()) {
            throw new CheckpointFormatException(file + ": index has no \"weight_map\" object");
        }
        Path dir = file.toAbsolutePath().getParent();
        Map<String, Path> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : weights.getAsJsonObject().entrySet()) {
            JsonElement v = e.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new CheckpointFormatException(file + ": weight_map entry for tensor \"" + e.getKey()
                        + "\" is not a file name");
            }
            String name = v.getAsString();
            String problem = RepoPaths.problem(name);
            if (problem != null) {
                throw new CheckpointFormatException(file + ": weight_map entry for tensor \"" + e.getKey()
                        + "\" names \"" + name + "\", which " + problem);
            }
            // A shard must be a sibling of the index; anything else is a corrupt or hostile index.
            if (name.contains("/")) {
                throw new CheckpointFormatException(file + ": weight_map entry for tensor \"" + e.getKey()
                        + "\" names \"" + name + "\", which is not a file in " + dir);
            }
            Path shard = dir.resolve(name);
            weightMap.put(e.getKey(), shard);
        }
        return new ShardIndex(file, metadataOf(root.getAsJsonObject()),
                Collections.unmodifiableMap(weightMap));
    }

    private static Map<String, String> metadataOf(JsonObject root) {
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonElement m = root.get("metadata");
        if (m != null && m.isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : m.getAsJsonObject().entrySet()) {
                JsonElement v = e.getValue();
                metadata.put(e.getKey(), v.isJsonPrimitive() ? v.getAsString() : v.toString());
            }
        }
        return Collections.unmodifiableMap(metadata);
    }
}
