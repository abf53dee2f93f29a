package io.github.tinyllama.eval;

import io.github.tinyllama.generate.TinyLlama;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs the tasks of TinyLlama's evaluation tables on a model, as lm-evaluation-harness would.
 *
 * <pre>{@code
 * Evaluator.Plan plan = Evaluator.plan(List.of(Task.HELLASWAG, Task.PIQA), Path.of("data"), 0);
 * try (TinyLlama llm = TinyLlama.load(Path.of("TinyLlama-1.1B-intermediate-step-1431k-3T"))) {
 *     Evaluator.Results results = plan.run(llm, 32, true, Evaluator.Listener.NONE);
 *     results.tasks().forEach(System.out::println);
 * }
 * }</pre>
 */
public final class Evaluator {

    private Evaluator() {}

    /** Told how far scoring has got. */
    public interface Listener {
        /** Ignores everything. */
        Listener NONE = new Listener() {};

        /** Scoring of {@code requests} requests begins. */
        default void started(int requests) {}

        /** {@code count} more requests are scored. */
        default void scored(int count) {}
    }

    /**
     * One scored request, as {@code --log-samples} writes it.
     *
     * @param task the task ({@code mmlu_<subject>} for MMLU)
     * @param docId the question's index in the task
     * @param request context and continuation as the harness builds them (continuation with its leading space)
     * @param loglikelihood the sum of the continuation's token log-probabilities
     * @param greedy whether every continuation token is the model's most likely one
     * @param gold the index of the question's right choice
     */
    public record Sample(String task, int docId, Request request, double loglikelihood, boolean greedy, int gold) {}

    /**
     * The outcome of a run.
     *
     * @param tasks metrics per task in the order asked, MMLU as the group {@code mmlu} then its subjects
     * @param samples every scored request, in item order
     * @param seconds time spent scoring
     */
    public record Results(List<TaskResult> tasks, List<Sample> samples, double seconds) {
        /** Scored requests per second. */
        public double requestsPerSecond() {
            return samples.size() / seconds;
        }

        /** The result of a task, or {@code null}. */
        public TaskResult task(String name) {
            return tasks.stream().filter(t -> t.task().equals(name)).findFirst().orElse(null);
        }
    }

    /**
     * Reads the data of the tasks and builds their items, before any model is loaded, so a missing or
     * malformed file is reported at once.
     *
     * @param tasks the tasks
     * @param dataDir the data directory ({@code <task>/<split>.jsonl} or {@code .parquet})
     * @param limit at most this many questions per task (per MMLU subject), as the harness's {@code --limit};
     *     0 for all
     * @return the plan
     * @throws DataException naming the file and line of a missing or malformed record
     * @throws IOException if reading fails
     */
    public static Plan plan(List<Task> tasks, Path dataDir, int limit) throws IOException {
        return plan(tasks, dataDir, limit, null);
    }

    /**
     * Reads the data of the tasks, fetching the hub's file of a split that is not in the data directory
     * ({@link DataFiles#read(Path, String, String, DataFiles.Fetcher)}), and builds their items.
     *
     * @param tasks the tasks
     * @param dataDir the data directory ({@code <task>/<split>.jsonl} or {@code .parquet})
     * @param limit at most this many questions per task (per MMLU subject); 0 for all
     * @param fetcher fetches hub files into the data directory; {@code null} to use local files only
     * @return the plan
     * @throws DataException naming the file and line of a missing or malformed record
     * @throws IOException if reading fails
     */
    public static Plan plan(List<Task> tasks, Path dataDir, int limit, DataFiles.Fetcher fetcher) throws IOException {
        Map<Task, Map<String, List<Item>>> items = new LinkedHashMap<>();
        for (Task task : tasks) {
            if (items.containsKey(task)) {
                continue;
            }
            Map<String, List<Item>> byTask = new LinkedHashMap<>();
            if (task == Task.MMLU) {
                Map<String, List<Doc>> dev = bySubject(DataFiles.read(dataDir, "mmlu", "dev", fetcher));
                Map<String, List<Doc>> test = bySubject(DataFiles.read(dataDir, "mmlu", "test", fetcher));
                for (Map.Entry<String, List<Doc>> subject : test.entrySet()) {
                    List<Doc> shots = dev.getOrDefault(subject.getKey(), List.of());
                    if (shots.size() < Task.MMLU_SHOTS) {
                        throw new DataException(DataFiles.find(dataDir, "mmlu", "dev"), 0, "subject '"
                                + subject.getKey() + "' has " + shots.size() + " dev records; 5-shot needs "
                                + Task.MMLU_SHOTS);
                    }
                    shots = shots.subList(0, Task.MMLU_SHOTS);
                    List<Item> list = new ArrayList<>();
                    List<Doc> docs = limited(subject.getValue(), limit);
                    for (int i = 0; i < docs.size(); i++) {
                        list.add(Task.mmlu(subject.getKey(), shots, docs.get(i), i));
                    }
                    byTask.put("mmlu_" + subject.getKey(), list);
                }
            } else {
                List<Doc> docs = limited(DataFiles.read(dataDir, task.id(), task.split(), fetcher), limit);
                List<Item> list = new ArrayList<>();
                for (int i = 0; i < docs.size(); i++) {
                    list.add(task.item(docs.get(i), i));
                }
                byTask.put(task.id(), list);
            }
            items.put(task, byTask);
        }
        return new Plan(items);
    }

    /** Every request's tokens, in item order then choice order. */
    private static List<RequestEncoder.Encoded> encode(List<Item> items, RequestEncoder encoder) {
        List<RequestEncoder.Encoded> encoded = new ArrayList<>();
        for (Item item : items) {
            for (Request r : item.requests()) {
                encoded.add(encoder.encode(r));
            }
        }
        return encoded;
    }

    private static List<Doc> limited(List<Doc> docs, int limit) {
        return limit > 0 && docs.size() > limit ? docs.subList(0, limit) : docs;
    }

    /** Records by their {@code subject} field, subjects in alphabetical order, records in file order. */
    private static Map<String, List<Doc>> bySubject(List<Doc> docs) throws DataException {
        Map<String, List<Doc>> out = new TreeMap<>();
        for (Doc d : docs) {
            out.computeIfAbsent(d.string("subject"), k -> new ArrayList<>()).add(d);
        }
        return out;
    }

    /** The items of the asked tasks, ready to score. */
    public static final class Plan {
        private final Map<Task, Map<String, List<Item>>> items;

        private Plan(Map<Task, Map<String, List<Item>>> items) {
            this.items = items;
        }

        /** Every item, in task order. */
        public List<Item> items() {
            List<Item> all = new ArrayList<>();
            items.values().forEach(m -> m.values().forEach(all::addAll));
            return all;
        }

        /** The number of log-likelihood requests. */
        public int requestCount() {
            return items().stream().mapToInt(i -> i.requests().size()).sum();
        }

        /**
         * Scores every request with the model and computes the metrics.
         *
         * @param llm the model and its tokenizer
         * @param batchSize requests per forward pass; with shared contexts, questions per batch (their contexts in one
         *     pass, all their continuations in one more)
         * @param shareContexts whether the choices of one context read it once
         * @param listener told of progress
         * @return metrics and samples
         */
        public Results run(TinyLlama llm, int batchSize, boolean shareContexts, Listener listener) {
            return run(new RequestEncoder(llm.tokenizer(), llm.config().maxPositions()),
                    new LoglikelihoodScorer(LoglikelihoodScorer.backend(llm.languageModel().scorer()), batchSize,
                            shareContexts), listener);
        }

        /**
         * Scores every request with a given encoder and scorer.
         *
         * @param encoder turns requests into tokens
         * @param scorer scores them
         * @param listener told of progress
         * @return metrics and samples
         */
        public Results run(RequestEncoder encoder, LoglikelihoodScorer scorer, Listener listener) {
            List<RequestEncoder.Encoded> encoded = encode(items(), encoder);
            listener.started(encoded.size());
            long start = System.nanoTime();
            LoglikelihoodScorer.Scores scores = scorer.score(encoded, listener::scored);
            return results(scores, (System.nanoTime() - start) / 1e9);
        }

        /**
         * The metrics and samples of scores computed elsewhere, such as by the tasks of a distributed job, each of
         * which encoded and scored some of the {@link #items()}.
         *
         * @param scores every request's scores, in the order of {@link #items()} and their requests
         * @param seconds the time scoring took
         * @return metrics and samples, as {@link #run} returns them
         * @throws IllegalArgumentException if there are not as many scores as requests
         */
        public Results results(LoglikelihoodScorer.Scores scores, double seconds) {
            int count = requestCount();
            if (scores.loglikelihoods().length != count || scores.greedy().length != count) {
                throw new IllegalArgumentException(scores.loglikelihoods().length + " scores for " + count
                        + " requests");
            }
            List<Sample> samples = new ArrayList<>(count);
            List<TaskResult> results = new ArrayList<>();
            int next = 0;
            for (Map.Entry<Task, Map<String, List<Item>>> task : items.entrySet()) {
                List<TaskResult> parts = new ArrayList<>();
                for (Map.Entry<String, List<Item>> sub : task.getValue().entrySet()) {
                    List<double[]> lls = new ArrayList<>();
                    for (Item item : sub.getValue()) {
                        double[] values = new double[item.requests().size()];
                        for (int j = 0; j < values.length; j++, next++) {
                            values[j] = scores.loglikelihoods()[next];
                            samples.add(new Sample(item.task(), item.docId(), item.requests().get(j), values[j],
                                    scores.greedy()[next], item.gold()));
                        }
                        lls.add(values);
                    }
                    parts.add(TaskResult.of(sub.getKey(), sub.getValue(), lls, task.getKey().hasAccNorm()));
                }
                if (task.getKey() == Task.MMLU) {
                    results.add(TaskResult.group("mmlu", parts));
                }
                results.addAll(parts);
            }
            return new Results(results, samples, seconds);
        }
    }
}
