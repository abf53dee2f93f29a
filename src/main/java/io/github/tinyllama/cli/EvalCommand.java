package io.github.tinyllama.cli;

import ai.djl.training.util.ProgressBar;

import io.github.tinyllama.eval.DataFiles;
import io.github.tinyllama.eval.Evaluator;
import io.github.tinyllama.eval.PaperResults;
import io.github.tinyllama.eval.Reports;
import io.github.tinyllama.eval.Task;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.util.AtomicFiles;
import io.github.tinyllama.util.OutputFiles;
import io.github.tinyllama.zoo.HubClient;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama eval}: the paper's commonsense suite and MMLU, scored as lm-evaluation-harness scores them. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model on hellaswag, openbookqa, winogrande, arc_easy, arc_challenge, boolq, piqa "
                + "(zero-shot) and mmlu (5-shot) exactly as lm-evaluation-harness scores them.")
final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    AdaptedModelOptions modelOptions;

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

    @Override
    public Integer call() throws Exception {
        Usage.require(spec, batchSize >= 1, "--batch-size must be at least 1, not " + batchSize);
        Usage.require(spec, limit >= 0, "--limit must not be negative (0 for all), not " + limit);
        List<Task> chosen = new ArrayList<>();
        for (String name : tasks) {
            try {
                chosen.add(Task.byId(name));
            } catch (IllegalArgumentException e) {
                throw Usage.error(spec, "--tasks: " + e.getMessage());
            }
        }
        Usage.require(spec, !chosen.isEmpty(), "--tasks names no task");
        // Outputs before the work: an unwritable --output must not cost a whole evaluation.
        for (Path file : new Path[] {output, logSamples}) {
            if (file != null) {
                OutputFiles.checkWritable(file);
            }
        }
        // Data first: a missing or malformed file is reported before minutes of model loading.
        Evaluator.Plan plan = Evaluator.plan(chosen, dataDir, limit, noDownload ? null : hubFetcher());
        Evaluator.Results results;
        try (TinyLlama llm = ModelLoading.load(modelOptions, false)) {
            results = runWithProgress(plan, llm);
        }
        PrintStream err = System.err;
        err.printf(Locale.ROOT, "scored %d requests in %.1f s (%.2f requests/s, context reuse %s)%n",
                results.samples().size(), results.seconds(), results.requestsPerSecond(),
                noContextReuse ? "off" : "on");
        err.flush();

        if (output != null) {
            AtomicFiles.writeString(output, Json.write(Reports.resultsJson(results, modelOptions.model)) + "\n");
        }
        if (logSamples != null) {
            StringBuilder lines = new StringBuilder();
            for (Evaluator.Sample s : results.samples()) {
                lines.append(Reports.sampleLine(s)).append('\n');
            }
            AtomicFiles.writeString(logSamples, lines.toString());
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(Reports.markdownTable(results, modelOptions.model, PaperResults.find(modelOptions.model)));
        out.flush();
        return 0;
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

    /** Scores with DJL's progress bar, which draws on standard output, moved to standard error. */
    private Evaluator.Results runWithProgress(Evaluator.Plan plan, TinyLlama llm) {
        PrintStream stdout = System.out;
        ProgressBar[] bar = new ProgressBar[1];
        System.setOut(System.err);
        try {
            return plan.run(llm, batchSize, !noContextReuse, new Evaluator.Listener() {
                @Override
                public void started(int requests) {
                    bar[0] = new ProgressBar("Scoring " + requests + " requests", requests);
                }

                @Override
                public void scored(int count) {
                    bar[0].increment(count);
                }
            });
        } finally {
            if (bar[0] != null) {
                bar[0].end();
            }
            System.out.flush();
            System.setOut(stdout);
        }
    }
}
