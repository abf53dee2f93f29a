package io.github.tinyllama.spark;

import org.apache.spark.sql.SparkSession;

import picocli.CommandLine.Option;

/** The options every job shares: where Spark runs, which model, and how the work is split. */
final class JobOptions {

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master: local[N], spark://HOST:PORT, ... Default: spark-submit's, else local[*].")
    String master;

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = "tinyllama-nano",
            description = "Model directory every node sees, or a released checkpoint's name (each node downloads it"
                    + " once into its hub cache; HF_ENDPOINT is honoured). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--revision", paramLabel = "REV", description = "Branch, tag or commit of a released checkpoint.")
    String revision;

    @Option(names = {"--compute-type", "--dtype"}, paramLabel = "TYPE", defaultValue = "auto",
            description = "auto, float32 or float16, as for tinyllama. Default: ${DEFAULT-VALUE}.")
    String computeType;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
            description = "cpu, gpu, gpu:N or auto, on every executor. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "0",
            description = "Tasks to split the work into; 0 for Spark's default parallelism. Default: ${DEFAULT-VALUE}.")
    int partitions;

    ModelSpec spec() {
        return new ModelSpec(model, revision, computeType, device);
    }

    /** The session of a job: the asked master, or spark-submit's, or every local core. */
    SparkSession session(String job) {
        return Sessions.builder(master, "tinyllama-spark " + job).getOrCreate();
    }
}
