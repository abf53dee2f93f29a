package io.github.tinyllama.notebooks;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonWriter;

import io.github.tinyllama.util.AtomicFiles;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A Jupyter notebook (nbformat 4) read with Gson: its code cells, and writing it back with new outputs. */
final class Notebook {

    private final Path file;
    private final JsonObject json;

    private Notebook(Path file, JsonObject json) {
        this.file = file;
        this.json = json;
    }

    /** Reads an {@code .ipynb} file; a file that is not an nbformat-4 notebook is refused with its name. */
    static Notebook read(Path file) throws IOException {
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new IOException(file + ": not JSON: " + e.getMessage(), e);
        }
        if (!parsed.isJsonObject() || !parsed.getAsJsonObject().has("cells")
                || parsed.getAsJsonObject().get("nbformat").getAsInt() != 4) {
            throw new IOException(file + ": not an nbformat 4 notebook (no cells or another nbformat)");
        }
        return new Notebook(file, parsed.getAsJsonObject());
    }

    Path file() {
        return file;
    }

    /** The notebook's file name, for messages. */
    String name() {
        return file.getFileName().toString();
    }

    /** The kernel the notebook asks for ({@code metadata.kernelspec.name}), or {@code null}. */
    String kernelName() {
        JsonObject metadata = json.getAsJsonObject("metadata");
        JsonObject spec = metadata == null ? null : metadata.getAsJsonObject("kernelspec");
        return spec == null || !spec.has("name") ? null : spec.get("name").getAsString();
    }

    /**
     * Java statements that CI runs right after the cell tagged {@code parameters}, to run the notebook
     * small ({@code metadata.tinyllama.ci_parameters}, as papermill injects parameters); empty when none.
     */
    String ciParameters() {
        JsonObject ours = json.getAsJsonObject("metadata").getAsJsonObject("tinyllama");
        return ours == null || !ours.has("ci_parameters") ? "" : text(ours.get("ci_parameters"));
    }

    /** The code cells in order. */
    List<Cell> codeCells() {
        List<Cell> cells = new ArrayList<>();
        int number = 0;
        for (JsonElement e : json.getAsJsonArray("cells")) {
            JsonObject cell = e.getAsJsonObject();
            if (cell.get("cell_type").getAsString().equals("code")) {
                cells.add(new Cell(++number, cell));
            }
        }
        return cells;
    }

    /** Writes the notebook (with whatever outputs its cells now hold) as Jupyter does: sorted keys, one-space indent. */
    void write() throws IOException {
        StringWriter text = new StringWriter();
        try (JsonWriter writer = new JsonWriter(text)) {
            writer.setIndent(" ");
            writer.setHtmlSafe(false);
            writeSorted(writer, json);
        }
        AtomicFiles.writeString(file, text + "\n");
    }

    private static void writeSorted(JsonWriter writer, JsonElement e) throws IOException {
        if (e.isJsonObject()) {
            writer.beginObject();
            Map<String, JsonElement> sorted = new TreeMap<>();
            e.getAsJsonObject().entrySet().forEach(entry -> sorted.put(entry.getKey(), entry.getValue()));
            for (Map.Entry<String, JsonElement> entry : sorted.entrySet()) {
                writer.name(entry.getKey());
                writeSorted(writer, entry.getValue());
            }
            writer.endObject();
        } else if (e.isJsonArray()) {
            writer.beginArray();
            for (JsonElement item : e.getAsJsonArray()) {
                writeSorted(writer, item);
            }
            writer.endArray();
        } else if (e.isJsonNull()) {
            writer.nullValue();
        } else if (e.getAsJsonPrimitive().isString()) {
            writer.value(e.getAsString());
        } else if (e.getAsJsonPrimitive().isBoolean()) {
            writer.value(e.getAsBoolean());
        } else {
            writer.value(e.getAsNumber());
        }
    }

    /** nbformat stores multi-line text as a string or a list of lines. */
    static String text(JsonElement e) {
        if (e.isJsonArray()) {
            StringBuilder s = new StringBuilder();
            e.getAsJsonArray().forEach(line -> s.append(line.getAsString()));
            return s.toString();
        }
        return e.getAsString();
    }

    /** Splits text into lines that keep their line ends, as Jupyter writes it. */
    static JsonArray lines(String text) {
        JsonArray lines = new JsonArray();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lines.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            lines.add(text.substring(start));
        }
        return lines;
    }

    /** One code cell. */
    static final class Cell {
        private final int number;
        private final JsonObject json;

        Cell(int number, JsonObject json) {
            this.number = number;
            this.json = json;
        }

        /** 1-based among the notebook's code cells, as messages name it. */
        int number() {
            return number;
        }

        /** The count Jupyter showed when the notebook was saved, or 0 for a cell never run. */
        int savedExecutionCount() {
            JsonElement count = json.get("execution_count");
            return count == null || count.isJsonNull() ? 0 : count.getAsInt();
        }

        String source() {
            return text(json.get("source"));
        }

        boolean hasTag(String tag) {
            JsonObject metadata = json.getAsJsonObject("metadata");
            JsonArray tags = metadata == null ? null : metadata.getAsJsonArray("tags");
            if (tags != null) {
                for (JsonElement t : tags) {
                    if (t.getAsString().equals(tag)) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** Replaces the cell's outputs and execution count, text stored as lines as Jupyter stores it. */
        void setOutputs(JsonArray outputs, int executionCount) {
            JsonArray stored = new JsonArray();
            for (JsonElement e : outputs) {
                JsonObject o = e.getAsJsonObject().deepCopy();
                if (o.has("text")) {
                    o.add("text", lines(Terminal.render(o.get("text").getAsString())));
                }
                if (o.has("data")) {
                    JsonObject data = o.getAsJsonObject("data");
                    for (String type : List.copyOf(data.keySet())) {
                        if (type.startsWith("text/")) {
                            data.add(type, lines(data.get(type).getAsString()));
                        }
                    }
                }
                stored.add(o);
            }
            json.add("outputs", stored);
            json.addProperty("execution_count", executionCount);
        }
    }
}
