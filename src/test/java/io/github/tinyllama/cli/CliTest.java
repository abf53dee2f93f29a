package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.LanguageModel;
import io.github.tinyllama.weights.ComputeType;
import io.github.tinyllama.weights.RandomCheckpoint;
import io.github.tinyllama.testing.CliRun;
import io.github.tinyllama.testing.SharedTokenizer;
import io.github.tinyllama.testing.TinyModels;
import io.github.tinyllama.tokenizer.LlamaTokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The command line's forms, JSON fields and error behaviour are a contract; these tests pin them
 * on a tiny random model with the real Llama-2 tokenizer (skipped when that file is absent).
 */
class CliTest {

    @TempDir
    static Path dir;

    private static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = dir.resolve("tiny");
        RandomCheckpoint.write(model, LlamaConfig.tiny(), DType.BF16, 5);
    }



    private static synchronized Path modelWithTokenizer() throws IOException {
        if (!Files.exists(model.resolve("tokenizer.json"))) {
            TinyModels.withTokenizer(model, 5);
        }
        return model;
    }

    @Test
    void generateJsonHasTheContractFields() throws IOException {
        CliRun r = CliRun.of("generate", "--model", modelWithTokenizer().toString(), "--prompt", "Hello world",
                "--max-new-tokens", "6", "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject o = r.json();
        assertEquals(Set.of("prompt_ids", "ids", "text", "finish_reason", "prompt_tokens", "generated_tokens",
                "prefill_seconds", "decode_seconds", "decode_tokens_per_second", "drafted_tokens", "accepted_tokens",
                "dtype", "engine", "device"), o.keySet());
        assertEquals(1, o.getAsJsonArray("prompt_ids").get(0).getAsLong(), "BOS first");
        assertEquals(o.getAsJsonArray("prompt_ids").size(), o.get("prompt_tokens").getAsInt());
        assertEquals(o.getAsJsonArray("ids").size(), o.get("generated_tokens").getAsInt());
        assertTrue(List.of("length", "eos", "stop").contains(o.get("finish_reason").getAsString()));
        try (LlamaTokenizer tokenizer = LlamaTokenizer.load(model)) {
            assertEquals(tokenizer.decode(ids(o.getAsJsonArray("ids"))), o.get("text").getAsString());
        }
    }

    @Test
    void streamedTextEqualsTheJsonText() throws IOException {
        String path = modelWithTokenizer().toString();
        CliRun json = CliRun.of("generate", "--model", path, "--prompt", "Once upon", "--max-new-tokens", "12", "--json");
        CliRun streamed = CliRun.of("generate", "--model", path, "--prompt", "Once upon", "--max-new-tokens", "12");
        assertEquals(0, streamed.status(), streamed.err());
        assertEquals(json.json().get("text").getAsString() + System.lineSeparator(), streamed.out());
    }

    @Test
    void promptIdsAreUsedAsGivenAndMatchTheJavaApi() throws IOException {
        String path = modelWithTokenizer().toString();
        CliRun r = CliRun.of("generate", "--model", path, "--prompt-ids", "1,450,4996", "--max-new-tokens", "5", "--json");
        assertEquals(0, r.status(), r.err());
        assertArrayEquals(new long[] {1, 450, 4996}, ids(r.json().getAsJsonArray("prompt_ids")));
        try (LanguageModel lm = LanguageModel.load(model, DataType.FLOAT32, null, b -> {})) {
            long[] expected = lm.generate(new long[] {1, 450, 4996}, GenerationConfig.greedy(5), id -> true).ids();
            assertArrayEquals(expected, ids(r.json().getAsJsonArray("ids")));
        }
    }

    @Test
    void speculationGivesThePlainOutput() throws IOException {
        String path = modelWithTokenizer().toString();
        String[] common = {"generate", "--model", path, "--prompt-ids", "1,450,4996,450,4996,450", "--max-new-tokens",
            "12", "--json"};
        JsonObject plain = CliRun.of(common).json();
        String[] fast = java.util.Arrays.copyOf(common, common.length + 5);
        System.arraycopy(new String[] {"--speculate", "ngram", "--speculate-ngram", "1", "--speculate-tokens=4"}, 0,
                fast, common.length, 5);
        CliRun r = CliRun.of(fast);
        assertEquals(0, r.status(), r.err());
        assertEquals(plain.getAsJsonArray("ids"), r.json().getAsJsonArray("ids"));
        assertEquals(0, plain.get("drafted_tokens").getAsInt());
        // A random model's output seldom repeats a token, so drafts are rare here (SpeculationTest checks them).
        assertTrue(r.json().get("accepted_tokens").getAsInt() <= r.json().get("drafted_tokens").getAsInt(), r.out());
        assertEquals(2, CliRun.of("generate", "--model", path, "--prompt", "x", "--speculate", "medusa").status());
    }

    @Test
    void thePromptMayBeGivenAsTheArgument() throws IOException {
        String path = modelWithTokenizer().toString();
        CliRun positional = CliRun.of("generate", "--model", path, "Once upon", "--max-new-tokens", "4", "--json");
        CliRun option = CliRun.of("generate", "--model", path, "--prompt", "Once upon", "--max-new-tokens", "4", "--json");
        assertEquals(0, positional.status(), positional.err());
        assertEquals(option.json().get("ids"), positional.json().get("ids"));
        assertEquals(option.json().get("prompt_ids"), positional.json().get("prompt_ids"));
    }

    @Test
    void stopStringEndsGenerationWithStop() throws IOException {
        String path = modelWithTokenizer().toString();
        JsonObject free = CliRun.of("generate", "--model", path, "--prompt", "Hi", "--max-new-tokens", "8", "--json").json();
        String text = free.get("text").getAsString();
        String stop = text.substring(text.length() / 2, text.length() / 2 + 1);
        JsonObject stopped = CliRun.of("generate", "--model", path, "--prompt", "Hi", "--max-new-tokens", "8",
                "--stop", stop, "--json").json();
        assertEquals("stop", stopped.get("finish_reason").getAsString());
        assertEquals(text.substring(0, text.indexOf(stop)), stopped.get("text").getAsString());
    }

    @Test
    void sameSeedSameSample() throws IOException {
        String path = modelWithTokenizer().toString();
        String[] args = {"generate", "--model", path, "--prompt", "Hi", "--max-new-tokens", "8", "--temperature",
            "0.9", "--top-k", "40", "--top-p", "0.95", "--repetition-penalty", "1.1", "--seed", "42", "--json"};
        assertEquals(CliRun.of(args).json().get("ids"), CliRun.of(args).json().get("ids"));
    }

    @Test
    void chatKeepsTheConversationUntilEndOfInput() throws IOException {
        String path = modelWithTokenizer().toString();
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("Hello\n\nHow are you?\n/exit\nnever read\n"
                    .getBytes(StandardCharsets.UTF_8)));
            CliRun r = CliRun.of("chat", "--model", path, "--template", "zephyr", "--system", "Be brief.",
                    "--max-new-tokens", "5", "--temperature", "0");
            assertEquals(0, r.status(), r.err());
            assertEquals(2, r.out().lines().count(), "one line per reply; blank input lines are skipped: " + r.out());
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void unknownModelNamesAreRefusedListingKnownOnes() {
        CliRun r = CliRun.of("generate", "--model", "TinyLlama-9B-Imaginary", "--prompt", "x");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("TinyLlama-9B-Imaginary") && r.err().contains("TinyLlama-1.1B-Chat-v1.0"), r.err());
    }

    @Test
    void scoreJsonStartsWithNull() throws IOException {
        CliRun r = CliRun.of("score", "--model", modelWithTokenizer().toString(), "--ids", "1,450,4996,17354", "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject o = r.json();
        assertEquals(Set.of("ids", "logprobs", "dtype", "device"), o.keySet());
        JsonArray logprobs = o.getAsJsonArray("logprobs");
        assertTrue(logprobs.get(0).isJsonNull());
        try (LanguageModel lm = LanguageModel.load(model, null, ComputeType.AUTO, null, b -> {})) {
            double[] expected = lm.scorer().score(new long[] {1, 450, 4996, 17354});
            for (int i = 1; i < 4; i++) {
                assertEquals(expected[i], logprobs.get(i).getAsDouble(), 1e-9);
            }
        }
    }

    @Test
    void tokenizeTextAndFile() throws IOException {
        Path tokenizer = SharedTokenizer.require();
        CliRun text = CliRun.of("tokenize", "--tokenizer", tokenizer.toString(), "--text", "Hello world");
        assertEquals("[1,15043,3186]", text.out().trim(), text.err());
        Path lines = dir.resolve("lines.jsonl");
        Files.writeString(lines, "\"Hello world\"\n\"a\\nb\"\n");
        CliRun file = CliRun.of("tokenize", "--tokenizer", tokenizer.toString(), "--file", lines.toString(), "--no-bos");
        assertEquals(List.of("[15043,3186]", "[263,13,29890]"), file.out().lines().toList());
    }

    @Test
    void malformedInputLineIsReportedWithFileAndLine() throws IOException {
        Path tokenizer = SharedTokenizer.require();
        Path lines = dir.resolve("bad.jsonl");
        Files.writeString(lines, "\"ok\"\n{not json\n");
        CliRun r = CliRun.of("tokenize", "--tokenizer", tokenizer.toString(), "--file", lines.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains(lines + ":2"), r.err());
    }

    @Test
    void convertTokenizerWritesTokenizerJson() throws IOException {
        Path out = dir.resolve("converted");
        CliRun r = CliRun.of("convert-tokenizer", SharedTokenizer.require().toString(), out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.size(out.resolve("tokenizer.json")) > 1_000_000);
    }

    @Test
    void randomCheckpointWritesALoadableModel() throws IOException {
        Path out = dir.resolve("random-f16");
        CliRun r = CliRun.of("random-checkpoint", out.toString(), "--preset", "tiny", "--dtype", "f16", "--seed", "3");
        assertEquals(0, r.status(), r.err());
        assertEquals(LlamaConfig.tiny(), LlamaConfig.load(out));
        assertEquals(2, CliRun.of("random-checkpoint", out.toString(), "--preset", "huge").status());
    }

    @Test
    void benchJsonHasTheContractFields() {
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--prompt-tokens", "8", "--new-tokens", "4", "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject o = r.json();
        for (String key : List.of("load_seconds", "prefill_tokens_per_second", "decode_tokens_per_second",
                "peak_rss_bytes", "bandwidth_bytes_per_second", "weight_bytes_per_token", "roofline_fraction")) {
            assertTrue(o.get(key).getAsDouble() > 0, key);
        }
        assertEquals(o.get("weight_bytes_per_token").getAsDouble() * o.get("decode_tokens_per_second").getAsDouble()
                / o.get("bandwidth_bytes_per_second").getAsDouble(), o.get("roofline_fraction").getAsDouble(), 1e-9);
    }

    @Test
    void benchServeJsonRelatesTheRoundsToTheCeilings() throws IOException {
        CliRun r = CliRun.of("bench-serve", "--model", modelWithTokenizer().toString(), "--clients", "1,2",
                "--max-tokens", "6", "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject o = r.json();
        JsonArray rounds = o.getAsJsonArray("rounds");
        assertEquals(2, rounds.size());
        double single = rounds.get(0).getAsJsonObject().get("decode_tokens_per_second").getAsDouble();
        double widest = rounds.get(1).getAsJsonObject().get("decode_tokens_per_second").getAsDouble();
        assertEquals(2 * 6, rounds.get(1).getAsJsonObject().get("tokens").getAsInt());
        // Exact up to the last bits of a double: each ratio is computed from the same printed values.
        double exact = 1e-12;
        assertEquals(widest / single, o.get("widest_over_single").getAsDouble(), exact);
        assertEquals(widest / o.get("compute_roofline_tokens_per_second").getAsDouble(),
                o.get("widest_over_roofline").getAsDouble(), exact);
        assertEquals(o.get("gemm_peak_flops").getAsDouble() / (2.0 * o.get("parameters").getAsLong()),
                o.get("compute_roofline_tokens_per_second").getAsDouble(), exact);
        assertEquals(o.get("memory_bandwidth_bytes_per_second").getAsDouble()
                / o.get("weight_bytes_per_token").getAsDouble(),
                o.get("memory_roofline_tokens_per_second").getAsDouble(), exact);
        assertTrue(o.get("step_product_peak_flops").getAsDouble() > 0, "the scripted step's own product");
    }

    @Test
    void aModelDirectoryWithoutATokenizerSaysWhatIsMissing() throws IOException {
        Path bare = dir.resolve("no-tokenizer");
        RandomCheckpoint.write(bare, LlamaConfig.tiny(), DType.BF16, 5);
        CliRun r = CliRun.of("generate", "--model", bare.toString(), "--prompt", "x");
        assertEquals(1, r.status());
        assertEquals(bare + ": no tokenizer in directory: looked for tokenizer.json and tokenizer.model",
                r.err().strip().replaceFirst("^tinyllama generate: error: ", ""));
    }

    @Test
    void errorsAreOneLineOnStderrWithNonZeroStatus() throws IOException {
        Path missing = dir.resolve("no-such-model");
        CliRun r = CliRun.of("generate", "--model", missing.toString(), "--prompt", "x");
        assertEquals(1, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(missing.toString()), r.err());
        assertEquals("", r.out());

        CliRun badValue = CliRun.of("generate", "--model", modelWithTokenizer().toString(), "--prompt", "x", "--top-p", "2");
        assertEquals(2, badValue.status(), "a bad option value is a usage error");
        assertTrue(badValue.err().contains("top-p"), badValue.err());
        assertFalse(badValue.err().contains("\tat "), "no stack trace");

        CliRun usage = CliRun.of("generate", "--model", model.toString());
        assertEquals(2, usage.status());
        assertTrue(usage.err().contains("--prompt"), usage.err());
    }

    @Test
    void corruptCheckpointIsRefusedCleanly() throws IOException {
        Path broken = dir.resolve("broken");
        RandomCheckpoint.write(broken, LlamaConfig.tiny(), DType.BF16, 1);
        Files.copy(modelWithTokenizer().resolve("tokenizer.json"), broken.resolve("tokenizer.json"));
        Path weights = broken.resolve("model.safetensors");
        Files.write(weights, java.util.Arrays.copyOf(Files.readAllBytes(weights), 1000));
        CliRun r = CliRun.of("score", "--model", broken.toString(), "--ids", "1,2");
        assertEquals(1, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("model.safetensors"), r.err());
    }

    private static long[] ids(JsonArray array) {
        return array.asList().stream().mapToLong(e -> e.getAsLong()).toArray();
    }
}
