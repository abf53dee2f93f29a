package io.github.tinyllama.util;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Who wrote an output directory and from what: the command, its <em>identity</em> (what makes two
 * invocations the same run: model, data fingerprint, batch shape, seed) and its other
 * <em>settings</em> (what a resumed run may change, such as the step count). Written as
 * {@value #FILE_NAME} beside the outputs.
 *
 * @param command the command that owns the directory, e.g. {@code pretrain}
 * @param identity the values that make a run this run
 * @param settings the values recorded for reference, free to change on resume
 */
public record RunManifest(String command, Map<String, String> identity, Map<String, String> settings) {

    /** The manifest's file name in a run's directory. */
    public static final String FILE_NAME = "tinyllama-run.json";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    private static final java.lang.reflect.Type STRING_MAP = new TypeToken<LinkedHashMap<String, String>>() {}.getType();

    /** Copies the maps so that a manifest never changes once made. */
    public RunManifest {
        Objects.requireNonNull(command);
        identity = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(identity));
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** An empty manifest of {@code command}. */
    public static RunManifest of(String command) {
        return new RunManifest(command, Map.of(), Map.of());
    }

    /** This manifest with one more identity value ({@code null} values are recorded as "none"). */
    public RunManifest identity(String key, Object value) {
        Map<String, String> copy = new LinkedHashMap<>(identity);
        copy.put(key, String.valueOf(value == null ? "none" : value));
        return new RunManifest(command, copy, settings);
    }

    /** This manifest with one more setting ({@code null} values are recorded as "none"). */
    public RunManifest setting(String key, Object value) {
        Map<String, String> copy = new LinkedHashMap<>(settings);
        copy.put(key, String.valueOf(value == null ? "none" : value));
        return new RunManifest(command, identity, copy);
    }

    /** Whether {@code other} is the same run: the same command and identity. */
    public boolean sameRun(RunManifest other) {
        return command.equals(other.command) && identity.equals(other.identity);
    }

    /**
     * How {@code other} differs from this run, for an error message: the command, or each identity
     * value that differs ({@code key: theirs → ours}).
     */
    public String differences(RunManifest other) {
        if (!command.equals(other.command)) {
            return "it was written by '" + other.command + "', not '" + command + "'";
        }
        return "its " + changes(other.identity, identity);
    }

    /** The settings that changed since {@code previous} ({@code key: old → new}), or an empty string. */
    public String settingChanges(RunManifest previous) {
        return previous.settings.equals(settings) ? "" : changes(previous.settings, settings);
    }

    private static String changes(Map<String, String> before, Map<String, String> after) {
        List<String> changed = new ArrayList<>();
        java.util.Set<String> keys = new java.util.LinkedHashSet<>(after.keySet());
        keys.addAll(before.keySet());
        for (String key : keys) {
            String was = before.getOrDefault(key, "none");
            String now = after.getOrDefault(key, "none");
            if (!was.equals(now)) {
                changed.add(key + " " + was + " → " + now);
            }
        }
        return String.join(", ", changed);
    }

    /** Writes the manifest as {@code file}, atomically. */
    public void write(Path file) throws IOException {
        JsonObject json = new JsonObject();
        json.addProperty("command", command);
        json.add("identity", GSON.toJsonTree(identity));
        json.add("settings", GSON.toJsonTree(settings));
        AtomicFiles.writeString(file, GSON.toJson(json) + "\n");
    }

    /**
     * Reads the manifest {@code file}, if there is one.
     *
     * @throws IOException if it cannot be read or is not a manifest (the message names the file)
     */
    public static Optional<RunManifest> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            Map<String, String> identity = GSON.fromJson(json.get("identity"), STRING_MAP);
            Map<String, String> settings = GSON.fromJson(json.get("settings"), STRING_MAP);
            return Optional.of(new RunManifest(json.get("command").getAsString(),
                    identity == null ? Map.of() : identity, settings == null ? Map.of() : settings));
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
            throw new IOException(file + ": not a run manifest (" + e.getMessage() + "); give --overwrite to replace"
                    + " what it describes", e);
        }
    }

    /** The SHA-256 of a file's bytes (hex), so a run notices its data file was changed. */
    public static String fileFingerprint(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": " + (Files.exists(file) ? "not a regular file" : "no such file"));
        }
        return Sha256.ofFile(file);
    }

    /** The SHA-256 of a text's UTF-8 bytes (hex, first 16 digits). */
    public static String textFingerprint(String text) {
        return HexFormat.of().formatHex(Sha256.digest().digest(text.getBytes(StandardCharsets.UTF_8)))
                .substring(0, 16);
    }

    /**
     * A cheap fingerprint of the files under {@code dir} that {@code include} accepts: the SHA-256 of
     * their relative names and sizes (hashing a corpus of many gigabytes at every start would cost
     * minutes; a changed corpus changes its files' names or sizes).
     */
    public static String treeFingerprint(Path dir, Predicate<Path> include) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory"));
        }
        MessageDigest sha = Sha256.digest();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).filter(include).sorted().toList();
        }
        for (Path file : files) {
            sha.update((dir.relativize(file) + "\0" + Files.size(file) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return files.size() + " files, sha256 " + Sha256.hex(sha).substring(0, 16);
    }

}
