package io.github.tinyllama.cli;

import ai.djl.training.util.ProgressBar;

import io.github.tinyllama.generate.BatchGeneration;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.GenerationResult;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.tokenizer.ChatMessage;
import io.github.tinyllama.tokenizer.ChatTemplate;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code generate --input prompts.jsonl --output results.jsonl}: one prompt per line in, one
 * {@code generate --json} object per line out, in input order, decoded in batches.
 *
 * <p>The output is appended and flushed line by line, so a rerun after an interruption skips the lines already
 * answered (a half-written last line is cut off first) instead of starting over.
 */
final class JsonlGeneration {

    private static final Set<String> SETTINGS = Set.of("max_new_tokens", "temperature", "top_k", "top_p",
            "repetition_penalty", "seed", "stop");

    /** One input line: where it was, its prompt's ids and settings, and an {@code id} to copy through. */
    private record Line(int number, long[] promptIds, GenerationConfig config, JsonElement id) {}

    private JsonlGeneration() {}

    /**
     * Runs every line not yet answered in {@code output}.
     *
     * @param defaults settings from the command line, which each line's own settings override
     * @param template renders lines that hold {@code messages} (as {@code chat} does)
     * @return the exit status
     * @throws IOException if a file cannot be read or written, or a line is malformed (the message names it)
     */
    static int run(TinyLlama llm, Path input, Path output, int batchSize, GenerationConfig defaults,
            ChatTemplate template) throws IOException {
        List<Line> lines = read(llm, input, defaults, template);
        int done = completedLines(output);
        if (done > lines.size()) {
            throw new IOException(output + " has " + done + " lines but " + input + " only " + lines.size()
                    + " prompts: is it the output of another input?");
        }
        List<Line> todo = lines.subList(done, lines.size());
        if (todo.isEmpty()) {
            System.err.println("generate: all " + lines.size() + " lines of " + input + " are already in " + output);
            return 0;
        }
        List<BatchGeneration.Job> jobs = new ArrayList<>();
        todo.forEach(l -> jobs.add(new BatchGeneration.Job(l.promptIds(), l.config(), null)));
        ProgressBar bar = System.console() == null ? null : new ProgressBar("Generating", todo.size());
        PrintStream stdout = System.out;
        if (bar != null) {
            System.setOut(System.err); // DJL's bar draws on standard output
        }
        try (Writer out = Files.newBufferedWriter(output, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            // Results arrive as sequences end; lines go out in input order, each as soon as all before it are out.
            Map<Integer, GenerationResult> ready = new TreeMap<>();
            int[] next = {0};
            IoAction[] failure = {null};
            BatchGeneration.run(llm, jobs, batchSize, (i, r) -> {
                ready.put(i, r);
                while (ready.containsKey(next[0]) && failure[0] == null) {
                    Line line = todo.get(next[0]);
                    JsonObject o = GenerateCommand.toJson(ready.remove(next[0]));
                    o.addProperty("line", line.number());
                    if (line.id() != null) {
                        o.add("id", line.id());
                    }
                    try {
                        out.write(Json.write(o) + "\n");
                        out.flush();
                    } catch (IOException e) {
                        failure[0] = () -> {
                            throw e;
                        };
                    }
                    next[0]++;
                }
                if (bar != null) {
                    bar.increment(1);
                }
            });
            if (failure[0] != null) {
                failure[0].run();
            }
        } finally {
            if (bar != null) {
                bar.end();
                System.setOut(stdout);
            }
        }
        return 0;
    }

    /** A deferred I/O failure, rethrown outside the callback that met it. */
    private interface IoAction {
        void run() throws IOException;
    }

    private static List<Line> read(TinyLlama llm, Path input, GenerationConfig defaults, ChatTemplate template)
            throws IOException {
        List<Line> out = new ArrayList<>();
        List<String> text = Files.readAllLines(input, StandardCharsets.UTF_8);
        for (int n = 1; n <= text.size(); n++) {
            String raw = text.get(n - 1);
            if (raw.isBlank()) {
                continue;
            }
            String where = input + ":" + n;
            try {
                JsonElement parsed = JsonParser.parseString(raw);
                if (!parsed.isJsonObject()) {
                    throw new IOException(where + ": each line must be a JSON object");
                }
                out.add(line(llm, parsed.getAsJsonObject(), n, where, defaults, template));
            } catch (JsonParseException | IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
                throw new IOException(where + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static Line line(TinyLlama llm, JsonObject o, int number, String where, GenerationConfig defaults,
            ChatTemplate template) throws IOException {
        for (String key : o.keySet()) {
            if (!SETTINGS.contains(key) && !Set.of("prompt", "messages", "prompt_ids", "id").contains(key)) {
                throw new IOException(where + ": unknown field '" + key + "' (expected prompt, messages or prompt_ids,"
                        + " an optional id, and settings " + SETTINGS + ")");
            }
        }
        long[] ids;
        List<String> stops = new ArrayList<>(defaults.stopStrings());
        long given = Set.of("prompt", "messages", "prompt_ids").stream().filter(o::has).count();
        if (given != 1) {
            throw new IOException(where + ": give exactly one of 'prompt', 'messages' or 'prompt_ids'");
        } else if (o.has("prompt")) {
            ids = llm.tokenizer().encode(o.get("prompt").getAsString());
        } else if (o.has("prompt_ids")) {
            JsonArray a = o.getAsJsonArray("prompt_ids");
            ids = new long[a.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = a.get(i).getAsLong();
            }
        } else {
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonElement m : o.getAsJsonArray("messages")) {
                JsonObject message = m.getAsJsonObject();
                messages.add(new ChatMessage(message.get("role").getAsString(), message.get("content").getAsString()));
            }
            ids = llm.tokenizer().encode(template.render(messages, true));
            stops.addAll(template.stopStrings());
        }
        if (o.has("stop")) {
            JsonElement s = o.get("stop");
            if (s.isJsonArray()) {
                s.getAsJsonArray().forEach(e -> stops.add(e.getAsString()));
            } else {
                stops.add(s.getAsString());
            }
        }
        try {
            GenerationConfig config = GenerationConfig.builder()
                    .optMaxNewTokens(o.has("max_new_tokens") ? o.get("max_new_tokens").getAsInt() : defaults.maxNewTokens())
                    .optTemperature(o.has("temperature") ? o.get("temperature").getAsDouble() : defaults.temperature())
                    .optTopK(o.has("top_k") ? o.get("top_k").getAsInt() : defaults.topK())
                    .optTopP(o.has("top_p") ? o.get("top_p").getAsDouble() : defaults.topP())
                    .optRepetitionPenalty(o.has("repetition_penalty") ? o.get("repetition_penalty").getAsDouble()
                            : defaults.repetitionPenalty())
                    .optSeed(o.has("seed") ? o.get("seed").getAsLong() : defaults.seed())
                    .optStopStrings(stops)
                    .optLeftTruncate(defaults.leftTruncate())
                    .build();
            // As generate: the prompt must leave room for a token, unless it may be cut from the left.
            if (ids.length == 0 || ids.length >= llm.config().maxPositions() && !config.leftTruncate()) {
                throw new IllegalArgumentException("the prompt has " + ids.length + " tokens; give 1 to "
                        + (llm.config().maxPositions() - 1) + " (the model's context less one), or use --left-truncate");
            }
            return new Line(number, ids, config, o.get("id"));
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": " + e.getMessage(), e);
        }
    }

    /** Lines already answered: the complete lines of {@code output}, after cutting off a half-written last one. */
    private static int completedLines(Path output) throws IOException {
        if (!Files.exists(output)) {
            return 0;
        }
        byte[] bytes = Files.readAllBytes(output);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        if (end < bytes.length) {
            try (FileChannel channel = FileChannel.open(output, StandardOpenOption.WRITE)) {
                channel.truncate(end);
            }
        }
        int count = 0;
        for (int i = 0; i < end; i++) {
            if (bytes[i] == '\n') {
                count++;
            }
        }
        return count;
    }
}
