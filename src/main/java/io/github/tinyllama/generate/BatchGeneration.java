package io.github.tinyllama.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Generates text for many prompts together through a {@link BatchDecoder}: up to {@code batchSize} decode
 * in one pass per step, and each prompt that ends hands its row to the next waiting one. Each prompt keeps its
 * own settings, seed and stop strings; greedy outputs are those of {@link TinyLlama#generate} alone.
 */
public final class BatchGeneration {

    private BatchGeneration() {}

    /** One prompt: its token ids (used as given), settings, and where its text streams ({@code null}: nowhere). */
    public record Job(long[] promptIds, GenerationConfig config, Consumer<String> onText) {}

    /**
     * Runs every job to its end.
     *
     * @param llm the model and tokenizer
     * @param jobs the prompts, in order
     * @param batchSize the most prompts decoded together
     * @param onDone called with each job's index and result as soon as it ends (in the order they end)
     * @return the results, in the jobs' order
     * @throws IllegalArgumentException if a prompt is empty, holds ids outside the vocabulary, or does not fit
     */
    public static List<GenerationResult> run(TinyLlama llm, List<Job> jobs, int batchSize,
            ResultListener onDone) {
        List<BatchDecoder.Sequence> sequences = new ArrayList<>(jobs.size());
        List<TokenText> texts = new ArrayList<>(jobs.size());
        try (BatchDecoder decoder = new BatchDecoder(llm.languageModel(), batchSize)) {
            for (Job job : jobs) {
                TokenText text = new TokenText(llm.tokenizer(), job.config().stopStrings());
                Consumer<String> sink = job.onText() == null ? piece -> {} : job.onText();
                texts.add(text);
                sequences.add(decoder.submit(job.promptIds(), job.config(), (id, logprob, top) -> {
                    emit(sink, text.push(id));
                    return !text.stopped();
                }));
            }
            List<GenerationResult> results = new ArrayList<>(java.util.Collections.nCopies(jobs.size(), null));
            int reported = 0;
            while (reported < jobs.size()) {
                decoder.step();
                for (int i = 0; i < jobs.size(); i++) {
                    if (results.get(i) == null && sequences.get(i).result().isDone()) {
                        TokenText text = texts.get(i);
                        Consumer<String> sink = jobs.get(i).onText() == null ? piece -> {} : jobs.get(i).onText();
                        emit(sink, text.finish());
                        GenerationResult r = sequences.get(i).result().join().withText(text.text());
                        results.set(i, r);
                        onDone.accept(i, r);
                        reported++;
                    }
                }
            }
            return results;
        }
    }

    /** Receives each job's result as soon as it ends. */
    @FunctionalInterface
    public interface ResultListener {
        /**
         * Takes one result.
         *
         * @param index the job's index
         * @param result its result, with text
         */
        void accept(int index, GenerationResult result);
    }

    private static void emit(Consumer<String> sink, String text) {
        if (!text.isEmpty()) {
            sink.accept(text);
        }
    }
}
