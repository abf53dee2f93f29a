package io.github.tinyllama.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
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

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8",
            description = "Most prompts an executor decodes together. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "128", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            description = "0 (default) decodes greedily; above 0 samples.")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Sample among the K most likely tokens (0 = all).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Nucleus sampling threshold (1 = off).")
    double topP;

    @Option(names = "--repetition-penalty", paramLabel = "R", defaultValue = "1", description = "HF-style penalty (1 = off).")
    double repetitionPenalty;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "The job's sampling seed. Default: 0.")
    long seed;

    @Option(names = "--stop", paramLabel = "STR", description = "Stop before this text (repeatable).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--left-truncate", description = "Drop the start of a prompt that does not fit the context.")
    boolean leftTruncate;

    @Override
    public Integer call() throws Exception {
        Sampling sampling;
        TinyLlamaSpark llm;
        try {
            sampling = new Sampling(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed,
                    stop == null ? List.of() : stop, leftTruncate);
            llm = TinyLlamaSpark.builder(job.spec()).optSampling(sampling).optBatchSize(batchSize)
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
