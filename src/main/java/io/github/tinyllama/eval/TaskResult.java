package io.github.tinyllama.eval;

import java.util.List;

/**
 * The metrics of one task, as lm-evaluation-harness reports them (fractions, not percentages).
 *
 * @param task the harness's task name ({@code hellaswag}, {@code mmlu}, {@code mmlu_anatomy})
 * @param size the number of evaluated questions
 * @param acc the fraction whose most likely choice is the right one
 * @param accStderr the standard error of {@code acc}: sample standard deviation over questions divided by
 *     {@code sqrt(size)}; {@code NaN} for fewer than two questions (the harness writes "N/A")
 * @param accNorm the same with each log-likelihood divided by its choice's length in characters; {@code NaN}
 *     for tasks whose harness config reports no {@code acc_norm}
 * @param accNormStderr its standard error, or {@code NaN}
 */
public record TaskResult(String task, int size, double acc, double accStderr, double accNorm, double accNormStderr) {

    /** Whether {@code acc_norm} is reported. */
    public boolean hasAccNorm() {
        return !Double.isNaN(accNorm);
    }

    /** The number the paper's table shows: {@code acc_norm} where the task reports it, else {@code acc}. */
    public double headline() {
        return hasAccNorm() ? accNorm : acc;
    }

    /**
     * Metrics of scored items.
     *
     * @param task the task's name
     * @param items its items
     * @param loglikelihoods per item, the log-likelihood of each of its requests
     * @param withAccNorm whether to report {@code acc_norm}
     * @return the metrics
     */
    public static TaskResult of(String task, List<Item> items, List<double[]> loglikelihoods, boolean withAccNorm) {
        int n = items.size();
        double[] acc = new double[n];
        double[] accNorm = new double[n];
        for (int i = 0; i < n; i++) {
            Item item = items.get(i);
            double[] lls = loglikelihoods.get(i);
            double[] normed = new double[lls.length];
            for (int j = 0; j < lls.length; j++) {
                normed[j] = lls[j] / Text.length(item.choices().get(j));
            }
            acc[i] = argmax(lls) == item.gold() ? 1 : 0;
            accNorm[i] = argmax(normed) == item.gold() ? 1 : 0;
        }
        return new TaskResult(task, n, mean(acc), stderr(acc),
                withAccNorm ? mean(accNorm) : Double.NaN, withAccNorm ? stderr(accNorm) : Double.NaN);
    }

    /**
     * A group's metrics weighted by size (the harness's {@code weight_by_size}): the mean over all
     * questions, with the pooled standard error ({@code lm_eval.api.metrics.pooled_sample_stderr}).
     */
    public static TaskResult group(String task, List<TaskResult> parts) {
        int total = 0;
        double acc = 0;
        for (TaskResult p : parts) {
            total += p.size;
            acc += p.acc * p.size;
        }
        double pooled = 0;
        for (TaskResult p : parts) {
            pooled += (p.size - 1) * p.accStderr * p.accStderr * p.size;
        }
        int dof = total - parts.size();
        double stderr = dof > 0 && parts.stream().allMatch(p -> !Double.isNaN(p.accStderr))
                ? Math.sqrt(pooled / dof / total) : Double.NaN;
        return new TaskResult(task, total, total == 0 ? Double.NaN : acc / total, stderr, Double.NaN, Double.NaN);
    }

    /** numpy's argmax: the first index of the largest value. */
    static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return xs.length == 0 ? Double.NaN : s / xs.length;
    }

    /** The harness's {@code mean_stderr}: sample standard deviation ({@code n - 1}) over {@code sqrt(n)}. */
    static double stderr(double[] xs) {
        int n = xs.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mu = mean(xs);
        double ss = 0;
        for (double x : xs) {
            ss += (x - mu) * (x - mu);
        }
        return Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
    }
}
