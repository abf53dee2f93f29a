package io.github.tinyllama.spark;

import org.apache.spark.sql.SparkSession;

/**
 * Spark sessions for the jobs. Under {@code spark-submit} the master and classpath are its own; started by
 * {@code tinyllama-spark} (or a test), executors get this JVM's classpath, which every node must see at the
 * same paths (one machine, or a shared file system), and the JVM settings the model needs.
 */
public final class Sessions {

    /**
     * Executor JVM settings: weights live in direct buffers libtorch reads in place, so the direct-memory cap must
     * exceed the model (as in {@code ./tinyllama}).
     */
    static final String EXECUTOR_JAVA_OPTIONS = "-XX:MaxDirectMemorySize=256g -DOPT_OUT_TRACKING=true";

    private Sessions() {}

    /**
     * A session builder.
     *
     * @param master the master URL; {@code null} for spark-submit's, else {@code local[*]}
     * @param appName the application's name
     * @return the builder, to add settings to
     */
    public static SparkSession.Builder builder(String master, String appName) {
        SparkSession.Builder b = SparkSession.builder().appName(appName)
                .config("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE")
                .config("spark.executorEnv.OPT_OUT_TRACKING", "true");
        boolean submitted = System.getProperty("spark.master") != null;
        if (master != null) {
            b.master(master);
        } else if (!submitted) {
            b.master("local[*]");
        }
        if (!submitted) {
            b.config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                    .config("spark.executor.extraJavaOptions", EXECUTOR_JAVA_OPTIONS);
        }
        return b;
    }
}
