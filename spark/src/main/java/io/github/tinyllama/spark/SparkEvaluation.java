package io.github.tinyllama.spark;

import io.github.tinyllama.eval.Evaluator;
import io.github.tinyllama.eval.Item;
import io.github.tinyllama.eval.LoglikelihoodScorer;
import io.github.tinyllama.eval.Request;
import io.github.tinyllama.eval.RequestEncoder;
import io.github.tinyllama.generate.TinyLlama;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * {@code tinyllama eval} over a cluster: the driver reads the data and builds the questions
 * ({@link Evaluator#plan}), the executors encode and score them ({@link RequestEncoder},
 * {@link LoglikelihoodScorer}) with the model each loads once, and the driver computes the metrics from the
 * scores ({@link Evaluator.Plan#results}), exactly as on one machine.
 *
 * <p>Questions, not single requests, are the unit of work, so the choices of a question share their context's
 * forward pass as they do on one machine. Scores differ from one machine's only by the rounding of a different
 * padding and batching, far below the 1e-4 that {@code tinyllama eval}'s outputs are compared at.
 */
public final class SparkEvaluation {

    /** A question as it travels: its position among the plan's requests and its requests' texts. */
    private record Question(int firstRequest, List<String> contexts, List<String> continuations)
            implements Serializable {}

    /** One request's scores, as they travel back. */
    private record Scored(int request, double loglikelihood, boolean greedy) implements Serializable {}

    private final ModelSpec model;
    private final int batchSize;
    private final boolean shareContexts;
    private final int partitions;
    private double lastScoringSeconds;

    /**
     * @param model the model every executor loads
     * @param batchSize as {@code tinyllama eval --batch-size}: questions per forward pass
     * @param shareContexts whether the choices of one context read it once (as {@code tinyllama eval} by default)
     * @param partitions how many tasks the questions are spread over; 0 for the context's default parallelism
     */
    public SparkEvaluation(ModelSpec model, int batchSize, boolean shareContexts, int partitions) {
        if (batchSize < 1 || partitions < 0) {
            throw new IllegalArgumentException("batch size " + batchSize + " and partitions " + partitions
                    + ": need a batch size of at least 1 and partitions of at least 0");
        }
        this.model = model;
        this.batchSize = batchSize;
        this.shareContexts = shareContexts;
        this.partitions = partitions;
    }

    /**
     * Scores every request of a plan on the cluster and computes the metrics.
     *
     * @param spark the session
     * @param plan the questions ({@link Evaluator#plan})
     * @return the metrics and samples, as {@link Evaluator.Plan#run} returns them; the seconds are the job's
     *     wall time, model loading on the executors included
     */
    public Evaluator.Results evaluate(SparkSession spark, Evaluator.Plan plan) {
        List<Question> questions = new ArrayList<>();
        int next = 0;
        for (Item item : plan.items()) {
            List<String> contexts = new ArrayList<>();
            List<String> continuations = new ArrayList<>();
            for (Request r : item.requests()) {
                contexts.add(r.context());
                continuations.add(r.continuation());
            }
            questions.add(new Question(next, contexts, continuations));
            next += item.requests().size();
        }
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int slices = partitions > 0 ? partitions : context.defaultParallelism();
        ModelSpec spec = model;
        int batch = batchSize;
        boolean share = shareContexts;
        LongAccumulator scoringNanos = spark.sparkContext().longAccumulator("tinyllama scoring nanoseconds");
        long start = System.nanoTime();
        int tasks = Math.max(1, Math.min(slices, questions.size()));
        JavaRDD<Scored> scored = context.parallelize(dealt(questions, tasks), tasks)
                .mapPartitions(part -> scorePartition(part, spec, batch, share, scoringNanos));
        List<Scored> all = scored.collect();
        double seconds = (System.nanoTime() - start) / 1e9;
        lastScoringSeconds = scoringNanos.value() / 1e9;

        double[] lls = new double[next];
        boolean[] greedy = new boolean[next];
        boolean[] seen = new boolean[next];
        for (Scored s : all) {
            if (seen[s.request()]) {
                throw new IllegalStateException("request " + s.request() + " came back twice");
            }
            seen[s.request()] = true;
            lls[s.request()] = s.loglikelihood();
            greedy[s.request()] = s.greedy();
        }
        if (all.size() != next) {
            throw new IllegalStateException(all.size() + " scores came back for " + next + " requests");
        }
        return plan.results(new LoglikelihoodScorer.Scores(lls, greedy), seconds);
    }

    /**
     * The questions dealt round the tasks like cards, in an order that Spark's contiguous slicing then hands
     * out: each task gets its share of every task's questions, not one task the long MMLU prompts.
     */
    private static List<Question> dealt(List<Question> questions, int tasks) {
        List<Question> out = new ArrayList<>(questions.size());
        for (int t = 0; t < tasks; t++) {
            for (int i = t; i < questions.size(); i += tasks) {
                out.add(questions.get(i));
            }
        }
        return out;
    }

    /**
     * The executors' time spent scoring in the last {@link #evaluate}, summed over tasks (model loading and
     * Spark's own work left out): the job's wall time less this, per executor, is what distribution costs.
     */
    public double lastScoringSeconds() {
        return lastScoringSeconds;
    }

    private static Iterator<Scored> scorePartition(Iterator<Question> part, ModelSpec spec, int batchSize,
            boolean share, LongAccumulator scoringNanos) {
        List<Question> questions = new ArrayList<>();
        part.forEachRemaining(questions::add);
        if (questions.isEmpty()) {
            return Collections.emptyIterator();
        }
        return ExecutorModels.with(spec, llm -> {
            long start = System.nanoTime();
            List<Scored> out = score(llm, questions, batchSize, share);
            scoringNanos.add(System.nanoTime() - start);
            return out;
        }).iterator();
    }

    private static List<Scored> score(TinyLlama llm, List<Question> questions, int batchSize, boolean share) {
        RequestEncoder encoder = new RequestEncoder(llm.tokenizer(), llm.config().maxPositions());
        List<RequestEncoder.Encoded> encoded = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        for (Question q : questions) {
            for (int j = 0; j < q.contexts().size(); j++) {
                encoded.add(encoder.encode(new Request(q.contexts().get(j), q.continuations().get(j))));
                indexes.add(q.firstRequest() + j);
            }
        }
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(LoglikelihoodScorer.backend(llm.languageModel().scorer()),
                batchSize, share);
        LoglikelihoodScorer.Scores scores = scorer.score(encoded, n -> {});
        List<Scored> out = new ArrayList<>(encoded.size());
        for (int i = 0; i < encoded.size(); i++) {
            out.add(new Scored(indexes.get(i), scores.loglikelihoods()[i], scores.greedy()[i]));
        }
        return out;
    }
}
