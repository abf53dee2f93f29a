package io.github.tinyllama.spark;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.Strictness;

import io.github.tinyllama.eval.DataFiles;
import io.github.tinyllama.eval.Evaluator;
import io.github.tinyllama.eval.PaperResults;
import io.github.tinyllama.eval.Reports;
import io.github.tinyllama.eval.Task;
import io.github.tinyllama.util.AtomicFiles;
import io.github.tinyllama.util.OutputFiles;
import io.github.tinyllama.zoo.HubClient;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama-spark eval}: the requests of {@code tinyllama eval} scored across a cluster, the same outputs. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate as 'tinyllama eval' does, with the questions scored by the Spark executors; "
                + "results.json and --log-samples are those of 'tinyllama eval'.")
final class EvalJob implements Callable<Integer> {

    /** As the core command writes JSON: no HTML escaping, strict about NaN. */
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().setStrictness(Strictness.STRICT).create();

    @Spec
    CommandSpec spec;

    @Mixin
    JobOptions job;

    @Option(names = "--tasks", required = true, split = ",", paramLabel = "TASK[,TASK...]",
            description = "Tasks: hellaswag, openbookqa, winogrande, arc_easy, arc_challenge, boolq, piqa, mmlu.")
    List<String> tasks;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "Only the first N questions of each task (of each MMLU subject); 0 for all.")
    int limit;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16",
            description = "Questions per forward pass on an executor. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
            description = "Data sets as DIR/<task>/<split>.jsonl or .parquet, read by the driver. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--no-download", description = "Do not fetch a missing data file from the hub.")
    boolean noDownload;

    @Option(names = "--output", paramLabel = "FILE", description = "Write results.json here (as tinyllama eval).")
    Path output;

    @Option(names = "--log-samples", paramLabel = "FILE", description = "Write one JSON line per request here.")
    Path logSamples;

    @Option(names = "--no-context-reuse", description = "Score every choice with its whole context.")
    boolean noContextReuse;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1 || limit < 0 || job.partitions < 0) {
            throw new ParameterException(spec.commandLine(), "--batch-size must be at least 1, --limit and "
                    + "--partitions at least 0");
        }
        List<Task> chosen = new ArrayList<>();
        for (String name : tasks) {
            try {
                chosen.add(Task.byId(name));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--tasks: " + e.getMessage());
            }
        }
        for (Path file : new Path[] {output, logSamples}) {
            if (file != null) {
                OutputFiles.checkWritable(file);
            }
        }
        HubClient hub = HubClient.fromEnvironment();
        DataFiles.Fetcher fetcher = noDownload ? null : hub::downloadFile;
        Evaluator.Plan plan = Evaluator.plan(chosen, dataDir, limit, fetcher);
        ModelSpec model = job.spec();
        SparkEvaluation evaluation = new SparkEvaluation(model, batchSize, !noContextReuse, job.partitions);
        Evaluator.Results results = job.inSession("eval", spark -> evaluation.evaluate(spark, plan));
        System.err.printf(Locale.ROOT, "scored %d requests in %.1f s (%.2f requests/s)%n",
                results.samples().size(), results.seconds(), results.requestsPerSecond());
        if (output != null) {
            AtomicFiles.writeString(output, GSON.toJson(Reports.resultsJson(results, job.model)) + "\n");
        }
        if (logSamples != null) {
            StringBuilder lines = new StringBuilder();
            for (Evaluator.Sample s : results.samples()) {
                lines.append(Reports.sampleLine(s)).append('\n');
            }
            AtomicFiles.writeString(logSamples, lines.toString());
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(Reports.markdownTable(results, job.model, PaperResults.find(job.model)));
        out.flush();
        return 0;
    }
}
