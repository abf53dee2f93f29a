package io.github.tinyllama.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.index.NDIndex;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.data.SftExample;
import io.github.tinyllama.nn.LoraSettings;
import io.github.tinyllama.nn.LoraTarget;
import io.github.tinyllama.testing.ChatData;
import io.github.tinyllama.testing.TinyModels;
import io.github.tinyllama.tokenizer.ChatTemplate;
import io.github.tinyllama.tokenizer.LlamaTokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

/** The fine-tuner's mechanics on the nano model and eight conversations: loss, resume, added tokens. */
class FinetunerTest {

    private static final Path NANO = Path.of("model-zoo", "nano");

    @TempDir
    Path dir;

    private Path data() throws IOException {
        return ChatData.first(8, dir);
    }

    /** Four steps: 2 epochs of 8 examples in global batches of 4, micro-batches of 2 (padded to the longer). */
    private static FinetuneSettings settings() {
        return new FinetuneSettings(2, 1e-3, false, 0.25, 2, 4, 128, 0.01, 0.9, 0.999, 1.0, 7, 0, false);
    }

    private Finetuner.Builder builder(Path out, boolean lora) throws IOException {
        return builder(out, lora, 0);
    }

    private Finetuner.Builder builder(Path out, boolean lora, float dropout) throws IOException {
        Finetuner.Builder builder = Finetuner.builder(NANO, data()).optEvalData(data()).optTemplate(ChatTemplate.ZEPHYR)
                .optSettings(settings()).setOutDir(out);
        return lora ? builder.optLora(new LoraSettings(4, 8, dropout,
                EnumSet.of(LoraTarget.Q, LoraTarget.V, LoraTarget.DOWN))) : builder;
    }

    @Test
    void evaluationIsTheMeanNegativeLogProbabilityOfTheTrainedTokens() throws IOException {
        try (Finetuner finetuner = builder(dir.resolve("out"), false).build()) {
            // Independent of batching and padding: the model's own scoring path, one example at a time.
            double sum = 0;
            long count = 0;
            for (SftExample example : finetuner.trainData().examples()) {
                double[] logprobs = finetuner.chatModel().score(example.ids());
                for (int i = 1; i < logprobs.length; i++) {
                    if (example.trained()[i]) {
                        sum -= logprobs[i];
                        count++;
                    }
                }
            }
            // float32 logits over a vocabulary of 4,096 summed in different orders: 1e-4 relative.
            double expected = sum / count;
            assertEquals(expected, finetuner.evaluate(), 1e-4 * expected);
        }
    }

    @ParameterizedTest(name = "lora={0}, dropout={1}")
    @CsvSource({"false, 0", "true, 0", "true, 0.3"})
    void resumingFromACheckpointGivesTheSameStepsAsAnUninterruptedRun(boolean lora, float dropout) throws IOException {
        List<StepMetrics> straight = new ArrayList<>();
        try (Finetuner finetuner = builder(dir.resolve("straight"), lora, dropout).build()) {
            assertEquals(4, finetuner.totalSteps());
            while (finetuner.completedSteps() < finetuner.totalSteps()) {
                straight.add(finetuner.step());
            }
        }
        Path out = dir.resolve("resumed");
        List<StepMetrics> resumed = new ArrayList<>();
        try (Finetuner finetuner = builder(out, lora, dropout).build()) {
            resumed.add(finetuner.step());
            resumed.add(finetuner.step());
            resumed.add(finetuner.step());
            finetuner.saveCheckpoint();
            // Draws between steps (a held-out evaluation, a sample) must not shift the next step's dropout masks.
            Engine.getInstance().setRandomSeed(12345);
            try (NDManager manager = NDManager.newBaseManager()) {
                manager.randomUniform(0, 1, new Shape(100));
            }
        }
        // A later checkpoint that a kill interrupted mid-write is ignored: only complete ones count.
        Files.createDirectories(out.resolve(".step-00000004.tmp"));
        try (Finetuner finetuner = builder(out, lora, dropout).optResume(true).build()) {
            assertEquals(3, finetuner.completedSteps());
            resumed.add(finetuner.step());
        }
        for (int i = 0; i < straight.size(); i++) {
            StepMetrics a = straight.get(i);
            StepMetrics b = resumed.get(i);
            assertEquals(a.loss(), b.loss(), 0, "loss of step " + a.step());
            assertEquals(a.gradNorm(), b.gradNorm(), 0, "gradient norm of step " + a.step());
            assertEquals(a.lr(), b.lr(), 0, "learning rate of step " + a.step());
        }
        assertTrue(straight.get(3).loss() < straight.get(0).loss(), "the loss falls: " + straight);
    }

    @Test
    void addedTokensGetTheMeanEmbeddingAndTheOutputsTheNewVocabularySize() throws IOException {
        Path out = dir.resolve("out");
        int oldVocab = LlamaConfig.load(NANO).vocabSize();
        try (Finetuner finetuner = builder(out, false).optAddTokens(List.of("<|im_start|>", "<|im_end|>", "</s>"))
                .build()) {
            LlamaTokenizer tokenizer = finetuner.tokenizer();
            // </s> exists already; the two new ones take the next ids and encode whole.
            assertEquals(oldVocab + 2, tokenizer.vocabSize());
            assertArrayEquals(new long[] {oldVocab, oldVocab + 1}, tokenizer.encode("<|im_start|><|im_end|>", false));
            assertEquals("<|im_end|>", tokenizer.decode(new long[] {oldVocab + 1}));
            NDArray embedding = finetuner.network().parametersByName().get("model.embed_tokens.weight").getArray();
            assertEquals(oldVocab + 2, embedding.getShape().get(0));
            NDArray mean = embedding.get(new NDIndex("0:{}", oldVocab)).mean(new int[] {0});
            for (int id = oldVocab; id < oldVocab + 2; id++) {
                // Mean of 4,096 float32 rows: the sums differ in order only.
                assertTrue(embedding.get(id).allClose(mean, 1e-6, 1e-7, false), "row " + id);
            }
            finetuner.step();
            finetuner.save(out);
        }
        assertEquals(oldVocab + 2, LlamaConfig.load(out).vocabSize());
        try (LlamaTokenizer saved = LlamaTokenizer.load(out)) {
            assertEquals(oldVocab + 2, saved.vocabSize());
        }
    }

    @Test
    void anUntiedHeadGrowsToo() throws IOException {
        // LlamaConfig.tiny() has its own lm_head; the Llama-2 tokenizer has no <|im_end|>.
        Path model = TinyModels.withTokenizer(Files.createDirectories(dir.resolve("tiny")), 3);
        Path data = dir.resolve("one.jsonl");
        Files.writeString(data, "{\"prompt\": \"hi\", \"response\": \"hello<|im_end|>\"}\n");
        try (Finetuner finetuner = Finetuner.builder(model, data).optTemplate(ChatTemplate.ZEPHYR).optSettings(settings())
                .optAddTokens(List.of("<|im_end|>")).setOutDir(dir.resolve("out")).build()) {
            NDArray head = finetuner.network().parametersByName().get("lm_head.weight").getArray();
            NDArray embedding = finetuner.network().parametersByName().get("model.embed_tokens.weight").getArray();
            assertEquals(32001, head.getShape().get(0));
            // Each matrix grows by its own mean row (the two differ: the head is not the embedding).
            assertTrue(head.get(32000).allClose(head.get(new NDIndex("0:32000")).mean(new int[] {0}), 1e-6, 1e-7, false));
            assertTrue(embedding.get(32000).allClose(embedding.get(new NDIndex("0:32000")).mean(new int[] {0}), 1e-6,
                    1e-7, false));
            long[] ids = finetuner.trainData().examples().get(0).ids();
            // ... hello <|im_end|> </s> and the newline: the added token encodes whole.
            assertArrayEquals(new long[] {32000, 2, 13}, Arrays.copyOfRange(ids, ids.length - 3, ids.length));
        }
    }
}
