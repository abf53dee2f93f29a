package io.github.tinyllama.spark;

import io.github.tinyllama.cli.SamplingOptions;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.Speculation;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code tinyllama-spark generate}: {@code tinyllama generate --json} for every row of a file. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue each row's 'prompt' (or 'prompt_ids'); the fields of 'tinyllama generate --json'. "
                + "Row r samples with a seed made of --seed and r, so the output does not depend on partitioning.")
final class GenerateJob implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    JobOptions job;

    @Mixin
    RowJobOptions io;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8",
            description = "Most prompts an executor decodes together. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--left-truncate", description = "Drop the start of a prompt that does not fit the context.")
    boolean leftTruncate;

    @Override
    public Integer call() throws Exception {
        GenerationConfig config = sampling.config(leftTruncate);
        if (!config.speculation().equals(Speculation.OFF)) {
            throw new ParameterException(spec.commandLine(), "--speculate is not supported by the Spark job");
        }
        TinyLlamaSpark llm;
        try {
            llm = TinyLlamaSpark.builder(job.spec()).optSampling(new Sampling(config)).optBatchSize(batchSize)
                    .optPartitions(job.partitions).optSource(io.input).build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        String format = io.format(spec);
        return job.inSession("generate", spark -> {
            Dataset<Row> input = InputFiles.read(spark, io.input,
                    List.of(new InputFiles.Field("prompt", false), new InputFiles.Field("prompt_ids", true)));
            OutputDirectory.write(llm.generate(input), io.output, format);
            return 0;
        });
    }
}
