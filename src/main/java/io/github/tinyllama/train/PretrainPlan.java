package io.github.tinyllama.train;

import io.github.tinyllama.config.ConfigException;
import io.github.tinyllama.data.MixtureSchedule;
import io.github.tinyllama.data.MixtureSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A multi-stage pre-training recipe, as TinyLlama v1.1's (basic pre-training, domain continual
 * pre-training with "warm-up sampling", cool-down with a larger batch): one JSON file that
 * {@code tinyllama pretrain --plan FILE} runs end to end.
 *
 * <p>Each stage has a name, a length (a token budget, rounded up to whole steps, or a step count),
 * a global batch in tokens (the micro-batch and sequence length are fixed for the plan, so the
 * batch sets the gradient accumulation), a data mixture of prefix weights with an optional linear
 * ramp from the previous stage's mixture, and a learning-rate schedule that either continues the
 * previous stage's or restarts with its own warm-up and cosine. A schedule's cosine ends at the last
 * step of the last stage that continues it. The data stream runs on across stages: one
 * {@link MixtureSchedule} over every prefix of the plan, so each source keeps its place and a saved
 * mixture position resumes anywhere, mid-ramp and across stage boundaries included.
 *
 * <p>The file format is documented in {@code model-zoo/plans/README.md}.
 *
 * @param file the plan file (for messages and relative paths)
 * @param seqLen tokens per sequence
 * @param microBatch sequences per forward/backward pass
 * @param seed seed of the initialisation and of the data order
 * @param saveEvery checkpoint every this many steps (0: at stage ends only)
 * @param weightDecay AdamW's decoupled weight decay
 * @param beta1 AdamW β₁
 * @param beta2 AdamW β₂
 * @param eps AdamW ε
 * @param gradClip maximum global gradient norm (0: none)
 * @param stages the stages, in order
 */
public record PretrainPlan(Path file, int seqLen, int microBatch, long seed, int saveEvery, double weightDecay,
        double beta1, double beta2, double eps, double gradClip, List<Stage> stages) {

    /**
     * One stage.
     *
     * @param name its name (logged with every step)
     * @param steps optimizer steps
     * @param globalBatchTokens target tokens per optimizer step
     * @param mixture prefix weights
     * @param rampTokens tokens over which the mixture moves linearly from the previous stage's (0: none)
     * @param lr the new schedule's peak, floor and warm-up when it restarts, {@code null} when it continues
     * @param init weights the first stage starts from (a model directory or a released checkpoint's
     *     name), or {@code null}
     */
    public record Stage(String name, int steps, long globalBatchTokens, MixtureSpec mixture, long rampTokens,
            LrRestart lr, String init) {}

    /**
     * A learning-rate schedule that starts at a stage: linear warm-up, then a cosine.
     *
     * @param max peak learning rate
     * @param min final learning rate
     * @param warmupSteps steps of linear warm-up
     */
    public record LrRestart(double max, double min, int warmupSteps) {}

    /** Checks what the step-by-step settings rely on (a plan read from a file has passed finer checks already). */
    public PretrainPlan {
        stages = List.copyOf(stages);
        if (stages.isEmpty() || stages.get(0).lr() == null) {
            throw new IllegalArgumentException("a plan needs a first stage that starts a learning-rate schedule");
        }
        long total = 0;
        for (Stage s : stages) {
            if (s.steps() < 1 || s.globalBatchTokens() % ((long) microBatch * seqLen) != 0) {
                throw new IllegalArgumentException("stage '" + s.name() + "' needs at least one step and a"
                        + " global batch that is a multiple of micro-batch × sequence length");
            }
            total += s.steps();
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the stages add up to " + total + " steps, more than "
                    + Integer.MAX_VALUE);
        }
    }

    private static final Set<String> TOP = Set.of("description", "seq_len", "micro_batch_size", "seed", "save_every",
            "optimizer", "stages");
    private static final Set<String> OPTIMIZER = Set.of("weight_decay", "beta1", "beta2", "eps", "grad_clip");
    private static final Set<String> STAGE = Set.of("name", "description", "tokens", "steps", "global_batch_tokens",
            "mixture", "ramp_tokens", "lr", "init");
    private static final Set<String> LR = Set.of("schedule", "max", "min", "warmup_steps");

    /**
     * Reads and validates a plan file; defaults are the paper's (sequence 2048, micro-batch 8, seed
     * 3407, AdamW 0.9/0.95, weight decay 0.1, ε 1e-8, clipping at 1.0).
     *
     * @param file the JSON file
     * @return the plan
     * @throws ConfigException naming the file and the JSON path of the first bad field
     */
    public static PretrainPlan load(Path file) throws ConfigException {
        return parse(PlanJson.read(file));
    }

    /**
     * Validates plan text as if read from {@code file}.
     *
     * @param file the file name for messages and relative paths
     * @param json the plan
     * @return the plan
     * @throws ConfigException naming the file and the JSON path of the first bad field
     */
    public static PretrainPlan parse(Path file, String json) throws ConfigException {
        return parse(PlanJson.parse(file, json));
    }

    private static PretrainPlan parse(PlanJson root) throws ConfigException {
        root.object(TOP);
        // Descriptions are free prose for readers of the plan; only their type is checked.
        if (root.has("description")) {
            root.at("description").string();
        }
        int seqLen = (int) optWhole(root, "seq_len", 2048, 1);
        int micro = (int) optWhole(root, "micro_batch_size", 8, 1);
        long seed = root.has("seed") ? root.at("seed").wholeNumber() : 3407;
        int saveEvery = (int) optWhole(root, "save_every", 0, 0);
        PlanJson opt = root.has("optimizer") ? root.at("optimizer").object(OPTIMIZER) : null;
        double weightDecay = optNumber(opt, "weight_decay", 0.1, 0);
        double beta1 = optNumber(opt, "beta1", 0.9, 0);
        double beta2 = optNumber(opt, "beta2", 0.95, 0);
        double eps = optNumber(opt, "eps", 1e-8, 0);
        double gradClip = optNumber(opt, "grad_clip", 1.0, 0);
        for (String beta : new String[] {"beta1", "beta2"}) {
            if (opt != null && opt.has(beta) && opt.at(beta).number() >= 1) {
                throw opt.at(beta).error("must be below 1");
            }
        }
        if (!root.has("stages")) {
            throw root.at("stages").error("is missing: a plan needs at least one stage");
        }
        List<PlanJson> stageJson = root.at("stages").elements();
        if (stageJson.isEmpty()) {
            throw root.at("stages").error("is empty: a plan needs at least one stage");
        }
        List<Stage> stages = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (PlanJson s : stageJson) {
            Stage stage = stage(s, stages.isEmpty() ? null : stages.get(stages.size() - 1), seqLen, micro);
            if (!names.add(stage.name())) {
                throw s.at("name").error("'" + stage.name() + "' names two stages");
            }
            stages.add(stage);
        }
        try {
            return new PretrainPlan(root.file(), seqLen, micro, seed, saveEvery, weightDecay, beta1, beta2, eps,
                    gradClip, stages);
        } catch (IllegalArgumentException e) {
            throw root.at("stages").error(e.getMessage());
        }
    }

    private static Stage stage(PlanJson s, Stage previous, int seqLen, int micro) throws ConfigException {
        s.object(STAGE);
        if (s.has("description")) {
            s.at("description").string();
        }
        if (!s.has("name") || s.at("name").string().isBlank()) {
            throw s.at("name").error("is missing: every stage needs a name");
        }
        String name = s.at("name").string().strip();
        long batchTokens;
        if (s.has("global_batch_tokens")) {
            // Sequences per step (and so the accumulation) must fit an int.
            batchTokens = s.at("global_batch_tokens").wholeNumber(1, (long) Integer.MAX_VALUE * seqLen);
            long microTokens = (long) micro * seqLen;
            if (batchTokens % microTokens != 0) {
                long below = batchTokens / microTokens * microTokens;
                throw s.at("global_batch_tokens").error(batchTokens + " is not a multiple of micro_batch_size ×"
                        + " seq_len = " + micro + " × " + seqLen + " = " + microTokens + " (the micro-batch is fixed;"
                        + " the accumulation is global / (micro × seq)); the nearest are "
                        + (below > 0 ? below + " and " : "") + (below + microTokens));
            }
        } else if (previous != null) {
            batchTokens = previous.globalBatchTokens();
        } else {
            throw s.at("global_batch_tokens").error("is missing: the first stage sets the global batch (in tokens)");
        }
        if (s.has("tokens") == s.has("steps")) {
            throw s.at("tokens").error("give exactly one of 'tokens' (a token budget) and 'steps'");
        }
        long steps = s.has("steps") ? s.at("steps").wholeNumber(1, Integer.MAX_VALUE)
                : ceilDiv(s.at("tokens").wholeNumber(1, Long.MAX_VALUE), batchTokens);
        if (steps > Integer.MAX_VALUE) {
            throw s.at("tokens").error("makes " + steps + " steps, more than " + Integer.MAX_VALUE);
        }
        MixtureSpec mixture = mixture(s);
        long rampTokens = s.has("ramp_tokens") ? s.at("ramp_tokens").wholeNumber(0, Long.MAX_VALUE) : 0;
        if (rampTokens > 0 && previous == null) {
            throw s.at("ramp_tokens").error("the first stage has no previous mixture to ramp from");
        }
        if (rampTokens > steps * batchTokens) {
            throw s.at("ramp_tokens").error(rampTokens + " is longer than the stage (" + steps * batchTokens
                    + " tokens)");
        }
        String init = s.has("init") ? s.at("init").string() : null;
        if (init != null && previous != null) {
            throw s.at("init").error("only the first stage can start from other weights; later stages continue"
                    + " from the previous one");
        }
        return new Stage(name, (int) steps, batchTokens, mixture, rampTokens, lr(s, previous == null), init);
    }

    private static MixtureSpec mixture(PlanJson s) throws ConfigException {
        if (!s.has("mixture")) {
            throw s.at("mixture").error("is missing: give prefix weights, e.g. {\"train_slim\": 1.0}");
        }
        PlanJson m = s.at("mixture").object(Set.of());
        List<String> prefixes = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        for (Map.Entry<String, PlanJson> e : m.members()) {
            double w = e.getValue().number();
            if (e.getKey().isBlank()) {
                throw e.getValue().error("empty prefix");
            }
            if (!(w > 0)) {
                throw e.getValue().error("a weight must be positive (leave a prefix out to not use it)");
            }
            prefixes.add(e.getKey());
            weights.add(w);
        }
        if (prefixes.isEmpty()) {
            throw m.error("is empty: give at least one prefix weight");
        }
        return new MixtureSpec(prefixes, weights);
    }

    private static LrRestart lr(PlanJson s, boolean first) throws ConfigException {
        if (!s.has("lr")) {
            if (first) {
                throw s.at("lr").error("is missing: the first stage starts the learning-rate schedule"
                        + " ({\"schedule\": \"restart\", \"max\": 4e-4, \"min\": 4e-5, \"warmup_steps\": 2000})");
            }
            return null;
        }
        PlanJson lr = s.at("lr").object(LR);
        String schedule = lr.has("schedule") ? lr.at("schedule").string() : "";
        if (schedule.equals("continue")) {
            if (first) {
                throw lr.at("schedule").error("the first stage has no schedule to continue: use \"restart\"");
            }
            for (String key : new String[] {"max", "min", "warmup_steps"}) {
                if (lr.has(key)) {
                    throw lr.at(key).error("a continued schedule keeps its settings; use \"restart\" to change them");
                }
            }
            return null;
        }
        if (!schedule.equals("restart")) {
            throw lr.at("schedule").error("must be \"continue\" or \"restart\", found '" + schedule + "'");
        }
        for (String key : new String[] {"max", "min", "warmup_steps"}) {
            if (!lr.has(key)) {
                throw lr.at(key).error("is missing: a restarted schedule needs max, min and warmup_steps");
            }
        }
        double max = lr.at("max").number();
        double min = lr.at("min").number();
        if (!(max > 0)) {
            throw lr.at("max").error("must be positive");
        }
        if (min < 0 || min > max) {
            throw lr.at("min").error("must be between 0 and max (" + max + ")");
        }
        return new LrRestart(max, min, (int) lr.at("warmup_steps").wholeNumber(0, Integer.MAX_VALUE));
    }

    private static long optWhole(PlanJson o, String key, long fallback, long min) throws ConfigException {
        return o.has(key) ? o.at(key).wholeNumber(min, Integer.MAX_VALUE) : fallback;
    }

    private static double optNumber(PlanJson o, String key, double fallback, double min) throws ConfigException {
        if (o == null || !o.has(key)) {
            return fallback;
        }
        double d = o.at(key).number();
        if (d < min) {
            throw o.at(key).error("must be >= " + min);
        }
        return d;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Optimizer steps of all stages. */
    public int totalSteps() {
        return stages.stream().mapToInt(Stage::steps).sum();
    }

    /** The 0-based step at which stage {@code index} begins. */
    public int firstStep(int index) {
        int step = 0;
        for (int i = 0; i < index; i++) {
            step += stages.get(i).steps();
        }
        return step;
    }

    /** The index of the stage that runs 0-based step {@code step} (the last stage from the end on). */
    public int stageIndexAt(int step) {
        int end = 0;
        for (int i = 0; i < stages.size(); i++) {
            end += stages.get(i).steps();
            if (step < end) {
                return i;
            }
        }
        return stages.size() - 1;
    }

    /** Whether a stage ends once {@code completedSteps} steps are done. */
    public boolean endsStage(int completedSteps) {
        int end = 0;
        for (Stage s : stages) {
            end += s.steps();
            if (completedSteps == end) {
                return true;
            }
        }
        return false;
    }

    /** Micro-batches accumulated at 0-based step {@code step}. */
    public int accumulationAt(int step) {
        return Math.toIntExact(stages.get(stageIndexAt(step)).globalBatchTokens() / ((long) microBatch * seqLen));
    }

    /** The learning rate of 0-based step {@code step}: that of the schedule its stage runs, at the step's offset in it. */
    public double lrAt(int step) {
        int stage = stageIndexAt(step);
        int start = stage;
        while (stages.get(start).lr() == null) {
            start--;
        }
        return schedule(start).at(step - firstStep(start));
    }

    /** The schedule restarted at stage {@code start}, spanning it and every following stage that continues it. */
    private LearningRateSchedule schedule(int start) {
        int end = start + 1;
        while (end < stages.size() && stages.get(end).lr() == null) {
            end++;
        }
        LrRestart lr = stages.get(start).lr();
        return new LearningRateSchedule(lr.max(), lr.min(), lr.warmupSteps(), firstStep(end) - firstStep(start));
    }

    /** Blocks (sequences) drawn before 0-based step {@code step}. */
    public long drawsBefore(int step) {
        long draws = 0;
        int done = 0;
        for (Stage s : stages) {
            int here = Math.min(s.steps(), step - done);
            if (here <= 0) {
                break;
            }
            draws += here * (s.globalBatchTokens() / seqLen);
            done += here;
        }
        return draws;
    }

    /** Every prefix the plan uses, in order of first use: the sources of its one data stream. */
    public List<String> prefixes() {
        Set<String> all = new LinkedHashSet<>();
        stages.forEach(s -> all.addAll(s.mixture().prefixes()));
        return List.copyOf(all);
    }

    /** The weights of each draw over {@link #prefixes()}: one phase per stage, ramping where a stage says so. */
    public MixtureSchedule mixtureSchedule() {
        List<String> prefixes = prefixes();
        List<MixtureSchedule.Phase> phases = new ArrayList<>();
        double[] previous = null;
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            double[] weights = new double[prefixes.size()];
            for (int p = 0; p < s.mixture().prefixes().size(); p++) {
                weights[prefixes.indexOf(s.mixture().prefixes().get(p))] = s.mixture().weights().get(p);
            }
            long rampDraws = ceilDiv(s.rampTokens(), seqLen);
            phases.add(new MixtureSchedule.Phase(drawsBefore(firstStep(i)), weights, rampDraws > 0 ? previous : null,
                    rampDraws));
            previous = weights;
        }
        return new MixtureSchedule(phases);
    }

    /** The weights the first stage starts from, when the plan names them. */
    public String init() {
        return stages.get(0).init();
    }

    /**
     * The settings a {@link Pretrainer} is prepared with: the plan's optimizer, and the first stage's
     * batch and schedule (later stages change those step by step through {@link #accumulationAt} and {@link #lrAt}).
     */
    public TrainingSettings settings() {
        return new TrainingSettings(seqLen, microBatch, Math.toIntExact(stages.get(0).globalBatchTokens() / seqLen),
                totalSteps(), schedule(0), weightDecay, beta1, beta2, eps, gradClip, seed, saveEvery);
    }
}
