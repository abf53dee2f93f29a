package io.github.tinyllama.eval;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The published numbers of TinyLlama's evaluation tables (resource {@code paper-results.json}, in percent):
 * the paper's commonsense table and MMLU column, and EVAL.md's intermediate checkpoints.
 */
public final class PaperResults {

    /** The resource holding the numbers, beside this class. */
    public static final String RESOURCE = "paper-results.json";

    private PaperResults() {}

    /**
     * A model's published row.
     *
     * @param name the row's name in the tables
     * @param source where the numbers come from
     * @param fields the numbers by task name ({@code hellaswag} ... {@code average}, {@code mmlu})
     */
    public record Row(String name, String source, JsonObject fields) {
        /** The published number of a task ({@code average} for the commonsense average), if any. */
        public OptionalDouble value(String task) {
            JsonElement e = fields.get(task);
            return e == null || e.isJsonNull() ? OptionalDouble.empty() : OptionalDouble.of(e.getAsDouble());
        }
    }

    /**
     * The published row of a model, found by what the user named it: a hub repository id
     * ({@code TinyLlama/TinyLlama_v1.1}), its last part, or a directory whose name is one of those.
     *
     * @param model what was given to {@code --model}
     * @return the row, or empty for a model the tables do not list
     */
    public static Optional<Row> find(String model) {
        String asked = model.strip().replaceAll("[/\\\\]+$", "");
        Path path = Path.of(asked.isEmpty() ? "." : asked);
        String last = path.getFileName() == null ? asked : path.getFileName().toString();
        for (JsonElement e : load().getAsJsonArray("models")) {
            JsonObject row = e.getAsJsonObject();
            for (JsonElement alias : row.getAsJsonArray("aliases")) {
                String a = alias.getAsString().toLowerCase(Locale.ROOT);
                if (a.equals(asked.toLowerCase(Locale.ROOT)) || a.equals(last.toLowerCase(Locale.ROOT))) {
                    return Optional.of(new Row(row.get("name").getAsString(), row.get("source").getAsString(), row));
                }
            }
        }
        return Optional.empty();
    }

    private static JsonObject load() {
        try (InputStream in = PaperResults.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the build");
            }
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
