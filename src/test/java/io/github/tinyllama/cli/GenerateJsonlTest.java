package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.testing.CliRun;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code generate --input/--output}: batched, in input order, the same text as one prompt at a time, resumable. */
class GenerateJsonlTest {

    private static final Path NANO = Path.of("model-zoo/nano");

    @TempDir
    Path dir;

    @Test
    void linesComeOutInOrderAsGenerateAloneAndResume() throws Exception {
        List<String> prompts = List.of("The cat", "public static void", "Once upon a time", "In the year", "Hello");
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < prompts.size(); i++) {
            // Different budgets make lines end out of order; line 3 sets its own.
            in.append(i == 3 ? "{\"prompt\": \"" + prompts.get(i) + "\", \"max_new_tokens\": 2, \"id\": \"x\"}"
                    : "{\"prompt\": \"" + prompts.get(i) + "\"}").append('\n');
            if (i == 1) {
                in.append('\n');
            }
        }
        Path input = dir.resolve("prompts.jsonl");
        Path output = dir.resolve("results.jsonl");
        Files.writeString(input, in);
        CliRun r = CliRun.of("generate", "--model", NANO.toString(), "--input", input.toString(), "--output",
                output.toString(), "--batch-size", "3", "--max-new-tokens", "9");
        assertEquals(0, r.status(), r.err());
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        assertEquals(prompts.size(), lines.size());
        try (TinyLlama llm = TinyLlama.load(NANO)) {
            for (int i = 0; i < prompts.size(); i++) {
                JsonObject o = JsonParser.parseString(lines.get(i)).getAsJsonObject();
                String alone = llm.generate(prompts.get(i), GenerationConfig.greedy(i == 3 ? 2 : 9)).text();
                assertEquals(alone, o.get("text").getAsString(), "line " + i);
                assertTrue(o.has("decode_tokens_per_second") && o.has("finish_reason"), lines.get(i));
            }
        }
        assertEquals("x", JsonParser.parseString(lines.get(3)).getAsJsonObject().get("id").getAsString());
        assertEquals(5, JsonParser.parseString(lines.get(3)).getAsJsonObject().get("line").getAsInt(),
                "line numbers count the blank line");

        // Interrupted after two lines and half of the third: the rerun completes the file as the first run did.
        String whole = Files.readString(output);
        Files.writeString(output, lines.get(0) + "\n" + lines.get(1) + "\n" + lines.get(2).substring(0, 10));
        CliRun again = CliRun.of("generate", "--model", NANO.toString(), "--input", input.toString(), "--output",
                output.toString(), "--batch-size", "3", "--max-new-tokens", "9");
        assertEquals(0, again.status(), again.err());
        assertEquals(stripTimings(whole), stripTimings(Files.readString(output)));
    }

    @Test
    void aMalformedLineIsNamed() throws Exception {
        Path input = dir.resolve("bad.jsonl");
        Files.writeString(input, "{\"prompt\": \"ok\"}\n{\"prompt\": \"x\", \"temprature\": 1}\n");
        CliRun r = CliRun.of("generate", "--model", NANO.toString(), "--input", input.toString(), "--output",
                dir.resolve("out.jsonl").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("bad.jsonl:2: unknown field 'temprature'"), r.err());
        assertEquals(2, CliRun.of("generate", "--input", input.toString()).status(), "--input needs --output");
    }

    /** Everything but the timing fields, which differ between runs. */
    private static String stripTimings(String jsonl) {
        return jsonl.replaceAll("\"(prefill_seconds|decode_seconds|decode_tokens_per_second)\":[-0-9.eE]+", "");
    }
}
