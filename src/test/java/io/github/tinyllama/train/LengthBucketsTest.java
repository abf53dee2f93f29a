package io.github.tinyllama.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.tokenizer.ChatTemplate;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

/** Length-bucketed fine-tuning order: each example once an epoch, less padding, seeded, resumable bit for bit. */
class LengthBucketsTest {

    private static final Path NANO = Path.of("model-zoo", "nano");

    @TempDir
    Path dir;

    /** Lengths with a long tail, as chat data has: most short, a few long. */
    private static int[] mixedLengths(int count, long seed) {
        Random random = new Random(seed);
        int[] lengths = new int[count];
        for (int i = 0; i < count; i++) {
            lengths[i] = 8 + (int) Math.min(1000, 20 / Math.pow(1 - random.nextDouble(), 0.8));
        }
        return lengths;
    }

    @Test
    void everyExampleOnceAnEpochWithOnlyTheLastStepShort() {
        int[] lengths = mixedLengths(203, 1);
        LengthBuckets buckets = new LengthBuckets(lengths, 16, 42);
        assertEquals(13, buckets.stepsPerEpoch());
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] seen = new int[lengths.length];
            int shortSteps = 0;
            for (int s = 0; s < buckets.stepsPerEpoch(); s++) {
                int[] batch = buckets.step(epoch * buckets.stepsPerEpoch() + s);
                shortSteps += batch.length < 16 ? 1 : 0;
                for (int i = 0; i < batch.length; i++) {
                    seen[batch[i]]++;
                    assertTrue(i == 0 || lengths[batch[i - 1]] >= lengths[batch[i]], "longest first");
                }
            }
            int[] once = new int[lengths.length];
            Arrays.fill(once, 1);
            assertArrayEquals(once, seen, "epoch " + epoch);
            assertEquals(1, shortSteps, "203 = 12 x 16 + 11");
        }
    }

    @Test
    void theOrderComesFromTheSeedAndTheEpochAlone() {
        int[] lengths = mixedLengths(100, 2);
        LengthBuckets a = new LengthBuckets(lengths, 8, 7);
        LengthBuckets b = new LengthBuckets(lengths, 8, 7);
        // Asked in another order (as a resumed run asks), the steps are the same.
        List<int[]> forward = new ArrayList<>();
        for (int s = 0; s < 26; s++) {
            forward.add(a.step(s));
        }
        for (int s = 25; s >= 0; s--) {
            assertArrayEquals(forward.get(s), b.step(s), "step " + s);
        }
        for (int s = 0; s < 26; s += 3) {
            assertArrayEquals(new LengthBuckets(lengths, 8, 7).step(s), a.step(s), "step " + s);
        }
        assertFalse(Arrays.equals(a.step(0), new LengthBuckets(lengths, 8, 8).step(0)), "another seed");
        assertFalse(Arrays.equals(a.step(0), a.step(a.stepsPerEpoch())), "another epoch");
    }

    /** Against the previous order (one seeded shuffle, each global batch sorted) on the same lengths. */
    @Test
    void microBatchesPadLessThanShuffledGlobalBatches() {
        int[] lengths = mixedLengths(512, 3);
        int steps = 32;
        double bucketed = paddingShare(new LengthBuckets(lengths, 16, 42)::step, lengths, steps, 4);
        double shuffled = paddingShare(s -> shuffledBatch(lengths, 16, 42, s), lengths, steps, 4);
        assertTrue(bucketed < shuffled / 2, "padding " + bucketed + " bucketed, " + shuffled + " shuffled");
    }

    /** The order before length buckets: one shuffle per epoch, the step's slice sorted longest first. */
    static int[] shuffledBatch(int[] lengths, int globalBatch, long seed, int step) {
        int perEpoch = (lengths.length + globalBatch - 1) / globalBatch;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed + step / perEpoch));
        int from = (step % perEpoch) * globalBatch;
        return order.subList(from, Math.min(order.size(), from + globalBatch)).stream()
                .sorted((x, y) -> Integer.compare(lengths[y], lengths[x])).mapToInt(Integer::intValue).toArray();
    }

    /** Padded positions over all positions when each step runs in right-padded micro-batches. */
    static double paddingShare(IntFunction<int[]> stepOrder, int[] lengths, int steps,
            int microBatch) {
        long real = 0;
        long positions = 0;
        for (int s = 0; s < steps; s++) {
            int[] batch = stepOrder.apply(s);
            for (int from = 0; from < batch.length; from += microBatch) {
                int longest = 0;
                int rows = Math.min(microBatch, batch.length - from);
                for (int i = from; i < from + rows; i++) {
                    longest = Math.max(longest, lengths[batch[i]]);
                    real += lengths[batch[i]];
                }
                positions += (long) longest * rows;
            }
        }
        return 1 - (double) real / positions;
    }

    /** Conversations whose replies run from one sentence to a few dozen. */
    private Path mixedConversations(int count) throws IOException {
        Random random = new Random(5);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder reply = new StringBuilder();
            int sentences = 1 + (int) Math.min(8, 1 / Math.pow(1 - random.nextDouble(), 1.2) - 1);
            for (int k = 0; k < sentences; k++) {
                reply.append("Sentence ").append(k).append(" of reply ").append(i).append(" is here. ");
            }
            JsonArray messages = new JsonArray();
            messages.add(message("user", "Question " + i + "?"));
            messages.add(message("assistant", reply.toString().trim()));
            JsonObject record = new JsonObject();
            record.add("messages", messages);
            lines.add(record.toString());
        }
        return Files.write(dir.resolve("mixed.jsonl"), lines);
    }

    private static JsonObject message(String role, String content) {
        JsonObject o = new JsonObject();
        o.addProperty("role", role);
        o.addProperty("content", content);
        return o;
    }

    /** Stopped in the middle of an epoch and resumed, the run is the uninterrupted one bit for bit. */
    @Test
    void aRunStoppedMidEpochAndResumedIsTheUninterruptedRun() throws IOException {
        Path data = mixedConversations(24);
        // 24 examples in global batches of 2: 12 steps an epoch, drawn from buckets of 16 and 8 examples.
        FinetuneSettings settings = new FinetuneSettings(1, 1e-3, false, 0.1, 1, 2, 96, 0.01, 0.9, 0.999, 1.0, 11, 0,
                false);
        List<StepMetrics> straight = new ArrayList<>();
        Path straightOut = dir.resolve("straight");
        try (Finetuner finetuner = Finetuner.builder(NANO, data).optTemplate(ChatTemplate.ZEPHYR).optSettings(settings)
                .setOutDir(straightOut).build()) {
            assertEquals(12, finetuner.totalSteps());
            for (int s = 0; s < 7; s++) {
                straight.add(finetuner.step());
            }
            finetuner.save(straightOut);
        }
        Path out = dir.resolve("resumed");
        List<StepMetrics> resumed = new ArrayList<>();
        try (Finetuner finetuner = Finetuner.builder(NANO, data).optTemplate(ChatTemplate.ZEPHYR).optSettings(settings)
                .setOutDir(out).build()) {
            for (int s = 0; s < 5; s++) {
                resumed.add(finetuner.step());
            }
            finetuner.saveCheckpoint();
        }
        try (Finetuner finetuner = Finetuner.builder(NANO, data).optTemplate(ChatTemplate.ZEPHYR).optSettings(settings)
                .setOutDir(out).optResume(true).build()) {
            assertEquals(5, finetuner.completedSteps());
            resumed.add(finetuner.step());
            resumed.add(finetuner.step());
            finetuner.save(out);
        }
        for (int i = 0; i < straight.size(); i++) {
            StepMetrics a = straight.get(i);
            StepMetrics b = resumed.get(i);
            assertEquals(a.loss(), b.loss(), 0, "loss of step " + a.step());
            assertEquals(a.gradNorm(), b.gradNorm(), 0, "gradient norm of step " + a.step());
        }
        assertArrayEquals(Files.readAllBytes(straightOut.resolve("model.safetensors")),
                Files.readAllBytes(out.resolve("model.safetensors")), "the weights after step 7");
    }
}
