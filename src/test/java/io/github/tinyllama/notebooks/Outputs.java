package io.github.tinyllama.notebooks;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The outputs of one cell in nbformat 4 shape, in the order they were produced: standard output
 * and error as {@code stream} outputs (consecutive writes to one stream merged, as Jupyter merges
 * them), {@code display_data} and one {@code execute_result}.
 */
final class Outputs {

    private final JsonArray outputs = new JsonArray();
    private final Stream stdout = new Stream("stdout");
    private final Stream stderr = new Stream("stderr");

    OutputStream stdout() {
        return stdout;
    }

    OutputStream stderr() {
        return stderr;
    }

    synchronized void display(JsonObject data) {
        add(rich("display_data", data));
    }

    synchronized void result(JsonObject data, int executionCount) {
        JsonObject o = rich("execute_result", data);
        o.addProperty("execution_count", executionCount);
        add(o);
    }

    private static JsonObject rich(String type, JsonObject data) {
        JsonObject o = new JsonObject();
        o.addProperty("output_type", type);
        o.add("data", data);
        o.add("metadata", new JsonObject());
        return o;
    }

    /** Adds an output after whatever the streams hold so far, which came first. */
    private void add(JsonObject output) {
        flush();
        outputs.add(output);
    }

    synchronized void error(String name, String value) {
        JsonObject o = new JsonObject();
        o.addProperty("output_type", "error");
        o.addProperty("ename", name);
        o.addProperty("evalue", value);
        JsonArray traceback = new JsonArray();
        traceback.add(name + ": " + value);
        o.add("traceback", traceback);
        add(o);
    }

    /** The outputs so far, streams included. */
    synchronized JsonArray toJson() {
        flush();
        return outputs.deepCopy();
    }

    /** Everything printed to either stream in outputs of nbformat shape, for failure messages. */
    static String printedText(JsonArray outputs) {
        StringBuilder text = new StringBuilder();
        for (var o : outputs) {
            JsonObject output = o.getAsJsonObject();
            if (output.get("output_type").getAsString().equals("stream")) {
                text.append(Notebook.text(output.get("text")));
            }
        }
        return text.toString();
    }

    private void flush() {
        stdout.drain();
        stderr.drain();
    }

    /** Appends text to the last output when it is the same stream, else starts a stream output. */
    private void append(String name, String text) {
        if (!outputs.isEmpty()) {
            JsonObject last = outputs.get(outputs.size() - 1).getAsJsonObject();
            if (last.get("output_type").getAsString().equals("stream") && last.get("name").getAsString().equals(name)) {
                last.addProperty("text", last.get("text").getAsString() + text);
                return;
            }
        }
        JsonObject o = new JsonObject();
        o.addProperty("output_type", "stream");
        o.addProperty("name", name);
        o.addProperty("text", text);
        outputs.add(o);
    }

    /** Bytes of one stream, decoded when the next output starts so characters are never split mid-sequence. */
    private final class Stream extends OutputStream {
        private final String name;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        Stream(String name) {
            this.name = name;
        }

        @Override
        public void write(int b) {
            synchronized (Outputs.this) {
                other().drain();
                pending.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (Outputs.this) {
                other().drain();
                pending.write(b, off, len);
            }
        }

        /** The other stream, whose pending text came first. */
        private Stream other() {
            return this == stdout ? stderr : stdout;
        }

        void drain() {
            if (pending.size() > 0) {
                append(name, pending.toString(StandardCharsets.UTF_8));
                pending.reset();
            }
        }
    }
}
