package io.github.tinyllama.spark;

import io.github.tinyllama.cli.DeviceOption;
import io.github.tinyllama.cli.TypeOptions;
import io.github.tinyllama.weights.ComputeType;

import org.apache.spark.sql.SparkSession;

import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** The options every job shares: where Spark runs, which model, and how the work is split. */
final class JobOptions {

    /** A job's work in its session. */
    interface Work<T> {
        T run(SparkSession spark) throws Exception;
    }

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master: local[N], spark://HOST:PORT, ... Default: spark-submit's, else local[*].")
    String master;

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = "tinyllama-nano",
            description = "Model directory every node sees, or a released checkpoint's name (each node downloads it"
                    + " once into its hub cache; HF_ENDPOINT is honoured). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--revision", paramLabel = "REV", description = "Branch, tag or commit of a released checkpoint.")
    String revision;

    // The command line's converters: a bad value is a usage error on the driver, before Spark starts.
    @Option(names = {"--compute-type", "--dtype"}, paramLabel = "TYPE", defaultValue = "auto",
            converter = TypeOptions.ComputeTypeConverter.class,
            description = "auto, float32, float16 or int8, as for tinyllama. Default: ${DEFAULT-VALUE}.")
    ComputeType computeType;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto", converter = DeviceOption.Converter.class,
            description = "cpu, gpu, gpu:N or auto, on every executor. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "0",
            description = "Tasks to split the work into; 0 for Spark's default parallelism. Default: ${DEFAULT-VALUE}.")
    int partitions;

    /** The model; a local directory by its absolute path, since executors run in directories of their own. */
    ModelSpec spec() {
        Path dir = Path.of(model);
        return new ModelSpec(Files.isDirectory(dir) ? dir.toAbsolutePath().normalize().toString() : model, revision,
                computeType.toString(), device);
    }

    /**
     * Runs a job in a session: the asked master, or spark-submit's, or every local core. A session that was
     * already running (a caller's, in tests or an embedding application) is used and left running.
     */
    <T> T inSession(String job, Work<T> work) throws Exception {
        boolean existed = SparkSession.getDefaultSession().isDefined();
        SparkSession spark = Sessions.builder(master, "tinyllama-spark " + job).getOrCreate();
        try {
            return work.run(spark);
        } finally {
            if (!existed) {
                spark.stop();
            }
        }
    }
}
