package io.github.tinyllama.eval;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/** The outputs of an evaluation: the harness-shaped JSON, the samples log and the paper-style table. */
public final class Reports {

    private Reports() {}

    /** The column heading of the table's first column. */
    public static final String MODEL_COLUMN = "Model";

    /**
     * {@code {"results": {"<task>": {"acc", "acc_stderr", "acc_norm", "acc_norm_stderr"}}}} as
     * lm-evaluation-harness writes it: fractions, {@code acc_norm} only where the task reports it, and a
     * standard error the harness cannot compute (one question) written as {@code "N/A"}.
     */
    public static JsonObject resultsJson(Evaluator.Results results, String model) {
        JsonObject tasks = new JsonObject();
        for (TaskResult t : results.tasks()) {
            JsonObject o = new JsonObject();
            addNumber(o, "acc", t.acc());
            addNumber(o, "acc_stderr", t.accStderr());
            if (t.hasAccNorm()) {
                addNumber(o, "acc_norm", t.accNorm());
                addNumber(o, "acc_norm_stderr", t.accNormStderr());
            }
            o.addProperty("samples", t.size());
            tasks.add(t.task(), o);
        }
        JsonObject root = new JsonObject();
        root.add("results", tasks);
        JsonObject config = new JsonObject();
        config.addProperty("model", model);
        config.addProperty("requests", results.samples().size());
        config.addProperty("seconds", results.seconds());
        addNumber(config, "requests_per_second", results.requestsPerSecond());
        root.add("config", config);
        return root;
    }

    /** A number, or "N/A" (the harness's word) where there is none: JSON has no NaN. */
    private static void addNumber(JsonObject o, String key, double value) {
        if (!Double.isFinite(value)) {
            o.addProperty(key, "N/A");
        } else {
            o.addProperty(key, value);
        }
    }

    /** One JSON line per request: {@code task, doc_id, context, continuation, loglikelihood, is_greedy, gold}. */
    public static String sampleLine(Evaluator.Sample s) {
        JsonObject o = new JsonObject();
        o.addProperty("task", s.task());
        o.addProperty("doc_id", s.docId());
        o.addProperty("context", s.request().context());
        o.addProperty("continuation", s.request().continuation());
        o.addProperty("loglikelihood", s.loglikelihood());
        o.addProperty("is_greedy", s.greedy());
        o.addProperty("gold", s.gold());
        return new GsonBuilder().disableHtmlEscaping().create().toJson(o);
    }

    /**
     * A Markdown table in the layout of the paper's commonsense table (HellaSwag, Obqa, WinoGrande, ARC-c,
     * ARC-e, boolq, piqa, Avg; an MMLU column when MMLU ran), in percent: this run's row, then the paper's
     * row for the model when it is a known one. A task that did not run shows "–"; the average needs all seven.
     *
     * @param results this run
     * @param model the model's name as given
     * @param paper the published row, if known
     * @return the table and a note on the metric
     */
    public static String markdownTable(Evaluator.Results results, String model, Optional<PaperResults.Row> paper) {
        boolean mmlu = results.task("mmlu") != null;
        List<String> header = new ArrayList<>(List.of(MODEL_COLUMN));
        Task.COMMONSENSE.forEach(t -> header.add(t.column()));
        header.add("Avg");
        if (mmlu) {
            header.add(Task.MMLU.column());
        }
        StringBuilder s = new StringBuilder();
        s.append(row(header));
        s.append(row(header.stream().map(h -> h.equals(MODEL_COLUMN) ? "---" : "---:").toList()));

        List<String> ours = new ArrayList<>(List.of(model + " (this run)"));
        double sum = 0;
        int count = 0;
        for (Task t : Task.COMMONSENSE) {
            TaskResult r = results.task(t.id());
            ours.add(r == null ? "–" : percent(r.headline()));
            if (r != null) {
                sum += r.headline();
                count++;
            }
        }
        ours.add(count == Task.COMMONSENSE.size() ? percent(sum / count) : "–");
        if (mmlu) {
            ours.add(percent(results.task("mmlu").acc()));
        }
        s.append(row(ours));

        if (paper.isPresent()) {
            List<String> theirs = new ArrayList<>(List.of(paper.get().name() + " (paper)"));
            for (Task t : Task.COMMONSENSE) {
                theirs.add(published(paper.get().value(t.id())));
            }
            theirs.add(published(paper.get().value("average")));
            if (mmlu) {
                theirs.add(published(paper.get().value("mmlu")));
            }
            s.append(row(theirs));
        }
        s.append("\nZero-shot acc_norm (acc for WinoGrande and BoolQ, which report no acc_norm)");
        if (mmlu) {
            s.append("; MMLU 5-shot acc, weighted by subject size");
        }
        s.append(paper.map(p -> "; paper numbers: " + p.source()).orElse("")).append(".\n");
        return s.toString();
    }

    private static String published(OptionalDouble v) {
        return v.isPresent() ? String.format(Locale.ROOT, "%.2f", v.getAsDouble()) : "–";
    }

    private static String percent(double fraction) {
        return Double.isNaN(fraction) ? "–" : String.format(Locale.ROOT, "%.2f", 100 * fraction);
    }

    private static String row(List<String> cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }
}
