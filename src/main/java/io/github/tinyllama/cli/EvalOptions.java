package io.github.tinyllama.cli;

import io.github.tinyllama.eval.DataFiles;
import io.github.tinyllama.eval.Evaluator;
import io.github.tinyllama.eval.Reports;
import io.github.tinyllama.eval.Task;
import io.github.tinyllama.util.AtomicFiles;
import io.github.tinyllama.util.OutputFiles;
import io.github.tinyllama.zoo.HubClient;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code tinyllama eval} evaluates and where its outputs go, shared with the Spark module's
 * {@code eval} job, whose outputs must be the same files.
 */
public final class EvalOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--tasks", required = true, split = ",", paramLabel = "TASK[,TASK...]",
            description = "Tasks: hellaswag, openbookqa, winogrande, arc_easy, arc_challenge, boolq, piqa, mmlu.")
    List<String> tasks;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "Evaluate only the first N questions of each task (of each MMLU subject); 0 for all.")
    int limit;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16",
            description = "Requests per forward pass; with context reuse, questions per batch (their contexts in "
                    + "one pass, their continuations in one more). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
            description = "Data sets as DIR/<task>/<split>.jsonl or .parquet (see eval/README.md). "
                    + "Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--no-download",
            description = "Do not fetch a missing data file from the hub (by default it is downloaded into the data "
                    + "directory, or taken from the hub cache when offline).")
    boolean noDownload;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Write {\"results\": {task: {acc, acc_stderr, acc_norm, acc_norm_stderr}}} here.")
    Path output;

    @Option(names = "--log-samples", paramLabel = "FILE",
            description = "Write one JSON line per request (task, doc_id, context, continuation, loglikelihood, "
                    + "is_greedy, gold).")
    Path logSamples;

    @Option(names = "--no-context-reuse",
            description = "Score every choice with its whole context (the harness's way; slower), for comparison.")
    boolean noContextReuse;

    /** Requests (with context reuse, questions) per forward pass. */
    public int batchSize() {
        return batchSize;
    }

    /** Whether the choices of one context read it once. */
    public boolean contextReuse() {
        return !noContextReuse;
    }

    /**
     * Checks the options and the outputs, then reads the data and builds the questions, before any model is
     * loaded: a usage error, an unwritable output or a missing or malformed data file costs no evaluation.
     *
     * @throws picocli.CommandLine.ParameterException (exit status 2) for a bad option value
     * @throws IOException if an output cannot be written or the data cannot be read (the message names it)
     */
    public Evaluator.Plan plan() throws IOException {
        Usage.require(command, batchSize >= 1, "--batch-size must be at least 1, not " + batchSize);
        Usage.require(command, limit >= 0, "--limit must not be negative (0 for all), not " + limit);
        List<Task> chosen = new ArrayList<>();
        for (String name : tasks) {
            try {
                chosen.add(Task.byId(name));
            } catch (IllegalArgumentException e) {
                throw Usage.error(command, "--tasks: " + e.getMessage());
            }
        }
        Usage.require(command, !chosen.isEmpty(), "--tasks names no task");
        for (Path file : new Path[] {output, logSamples}) {
            if (file != null) {
                OutputFiles.checkWritable(file);
            }
        }
        return Evaluator.plan(chosen, dataDir, limit, noDownload ? null : hubFetcher());
    }

    /** Writes {@code --output} and {@code --log-samples}, each whole or not at all. */
    public void writeOutputs(Evaluator.Results results, String model) throws IOException {
        if (output != null) {
            AtomicFiles.writeString(output, Json.write(Reports.resultsJson(results, model)) + "\n");
        }
        if (logSamples != null) {
            StringBuilder lines = new StringBuilder();
            for (Evaluator.Sample s : results.samples()) {
                lines.append(Reports.sampleLine(s)).append('\n');
            }
            AtomicFiles.writeString(logSamples, lines.toString());
        }
    }

    /** Data set files through the model zoo's hub client: cached, resumed, checked against the hub's sha256. */
    private static DataFiles.Fetcher hubFetcher() {
        HubClient hub = HubClient.fromEnvironment();
        return (repo, revision, file) -> {
            if (!hub.isOffline() && !hub.isCached(repo, revision, List.of(file))) {
                System.err.println("downloading " + repo + " " + file + " (" + revision + ")");
            }
            return hub.downloadFile(repo, revision, file);
        };
    }
}
