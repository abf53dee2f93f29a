package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.LanguageModel;
import io.github.tinyllama.weights.RandomCheckpoint;
import io.github.tinyllama.testing.CliRun;

import com.google.gson.JsonArray;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Commands given token ids run on a model directory that holds no tokenizer. */
class IdsWithoutTokenizerTest {
    private static final long[] IDS = {1, 450, 4996, 17354};

    @TempDir
    static Path dir;
    private static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = dir.resolve("no-tokenizer");
        RandomCheckpoint.write(model, LlamaConfig.tiny(), DType.BF16, 7);
        assertTrue(!Files.exists(model.resolve("tokenizer.json")) && !Files.exists(model.resolve("tokenizer.model")));
    }

    private static long[] ids(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    @Test
    void scoreTakesIds() throws IOException {
        // float32 named: the default (auto) would hold this bf16 checkpoint in float16.
        CliRun json = CliRun.of("score", "--model", model.toString(), "--ids", "1,450,4996,17354", "--json",
                "--compute-type", "float32");
        assertEquals(0, json.status(), json.err());
        JsonArray logprobs = json.json().getAsJsonArray("logprobs");
        try (LanguageModel lm = LanguageModel.load(model, DataType.FLOAT32, null, b -> {})) {
            double[] expected = lm.scorer().score(IDS);
            for (int i = 1; i < IDS.length; i++) {
                assertEquals(expected[i], logprobs.get(i).getAsDouble(), 1e-9);
            }
        }
        CliRun table = CliRun.of("score", "--model", model.toString(), "--ids", "1,450,4996,17354");
        assertEquals(0, table.status(), table.err());
        assertEquals(IDS.length, table.out().lines().count());
        assertTrue(table.out().lines().allMatch(l -> l.split("\t").length == 2), table.out());
    }

    @Test
    void generateTakesPromptIds() throws IOException {
        CliRun json = CliRun.of("generate", "--model", model.toString(), "--prompt-ids", "1,450,4996",
                "--max-new-tokens", "5", "--json");
        assertEquals(0, json.status(), json.err());
        long[] expected;
        try (LanguageModel lm = LanguageModel.load(model, DataType.FLOAT32, null, b -> {})) {
            expected = lm.generate(new long[] {1, 450, 4996}, GenerationConfig.greedy(5), id -> true).ids();
        }
        assertArrayEquals(expected, ids(json.json().getAsJsonArray("ids")));
        CliRun plain = CliRun.of("generate", "--model", model.toString(), "--prompt-ids", "1,450,4996",
                "--max-new-tokens", "5");
        assertEquals(0, plain.status(), plain.err());
        assertEquals(Ids.format(expected), plain.out().strip());
    }

    @Test
    void benchNeedsNoTokenizer() {
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--prompt-tokens", "8", "--new-tokens", "4", "--json");
        assertEquals(0, r.status(), r.err());
    }

    @Test
    void textStillNeedsATokenizerAndSaysSo() {
        CliRun r = CliRun.of("generate", "--model", model.toString(), "--prompt", "Hello", "--max-new-tokens", "2");
        assertEquals(1, r.status());
        assertTrue(r.err().contains(model.toString()) && r.err().contains("tokenizer"), r.err());
    }
}
