package io.github.tinyllama.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code tinyllama-spark score}: {@code tinyllama score --json} for every row of a file. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Per-token log-probabilities of each row's 'text' (the fields of 'tinyllama score --json').")
final class ScoreJob implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    JobOptions job;

    @Mixin
    RowJobOptions io;

    @Override
    public Integer call() throws Exception {
        String format = io.format(spec);
        TinyLlamaSpark llm = TinyLlamaSpark.builder(job.spec()).optPartitions(job.partitions)
                .optSource(io.input).build();
        return job.inSession("score", spark -> {
            Dataset<Row> input = InputFiles.read(spark, io.input, List.of(new InputFiles.Field("text", false)));
            OutputDirectory.write(llm.score(input), io.output, format);
            return 0;
        });
    }
}
