package io.github.tinyllama.cli;

import ai.djl.training.util.ProgressBar;

import io.github.tinyllama.eval.Evaluator;
import io.github.tinyllama.eval.PaperResults;
import io.github.tinyllama.eval.Reports;
import io.github.tinyllama.generate.TinyLlama;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

    @Mixin
    EvalOptions eval;

    @Override
    public Integer call() throws Exception {
        // Options, outputs and data before the model: none of them should cost minutes of loading.
        Evaluator.Plan plan = eval.plan();
        Evaluator.Results results;
        try (TinyLlama llm = ModelLoading.load(modelOptions, false)) {
            results = runWithProgress(plan, llm);
        }
        PrintStream err = System.err;
        err.printf(Locale.ROOT, "scored %d requests in %.1f s (%.2f requests/s, context reuse %s)%n",
                results.samples().size(), results.seconds(), results.requestsPerSecond(),
                eval.contextReuse() ? "on" : "off");
        err.flush();

        eval.writeOutputs(results, modelOptions.model);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(Reports.markdownTable(results, modelOptions.model, PaperResults.find(modelOptions.model)));
        out.flush();
        return 0;
    }

    /** Scores with DJL's progress bar, which draws on standard output, moved to standard error. */
    private Evaluator.Results runWithProgress(Evaluator.Plan plan, TinyLlama llm) {
        PrintStream stdout = System.out;
        ProgressBar[] bar = new ProgressBar[1];
        System.setOut(System.err);
        try {
            return plan.run(llm, eval.batchSize(), eval.contextReuse(), new Evaluator.Listener() {
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
