package io.github.tinyllama.spark;

import io.github.tinyllama.cli.EvalOptions;
import io.github.tinyllama.eval.Evaluator;
import io.github.tinyllama.eval.PaperResults;
import io.github.tinyllama.eval.Reports;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tinyllama-spark eval}: the requests of {@code tinyllama eval} scored across a cluster, with its
 * options and the same output files.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate as 'tinyllama eval' does (the same options), with the questions scored by the Spark "
                + "executors; results.json and --log-samples are those of 'tinyllama eval'.")
final class EvalJob implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    JobOptions job;

    @Mixin
    EvalOptions eval;

    @Override
    public Integer call() throws Exception {
        if (job.partitions < 0) {
            throw new ParameterException(spec.commandLine(), "--partitions must not be negative");
        }
        Evaluator.Plan plan = eval.plan();
        SparkEvaluation evaluation = new SparkEvaluation(job.spec(), eval.batchSize(), eval.contextReuse(),
                job.partitions);
        Evaluator.Results results = job.inSession("eval", spark -> evaluation.evaluate(spark, plan));
        System.err.printf(Locale.ROOT, "scored %d requests in %.1f s (%.2f requests/s; %.1f s of it scoring, summed "
                + "over tasks; the rest is starting executors, loading the model and Spark's own work)%n",
                results.samples().size(), results.seconds(), results.requestsPerSecond(),
                evaluation.lastScoringSeconds());
        eval.writeOutputs(results, job.model);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(Reports.markdownTable(results, job.model, PaperResults.find(job.model)));
        out.flush();
        return 0;
    }
}
