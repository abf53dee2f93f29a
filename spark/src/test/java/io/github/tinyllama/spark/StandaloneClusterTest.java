package io.github.tinyllama.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.eval.Evaluator;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.TinyLlama;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real standalone cluster on 127.0.0.1: Spark's own {@code Master} and two {@code Worker}s as child JVMs
 * of this test's classpath (no download), one executor of one core per worker, and this JVM as the driver.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterTest {

    @TempDir
    static Path dir;

    private static final List<Process> DAEMONS = new ArrayList<>();
    private static final List<Process> WORKERS = new ArrayList<>();
    private static SparkSession spark;
    private static TinyLlama nano;

    @BeforeAll
    static void startCluster() throws Exception {
        Path home = Files.createDirectories(dir.resolve("spark-home").resolve("jars"));
        int port = freePort();
        DAEMONS.add(daemon(home.getParent(), "master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort())));
        String url = "spark://127.0.0.1:" + port;
        // The driver gives up on a master that does not answer within a minute: a loaded machine can take
        // longer than that just to start the master's JVM.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!listening(port)) {
            assertTrue(System.nanoTime() < deadline && DAEMONS.get(0).isAlive(), "the master listens; see "
                    + dir.resolve("master.log"));
            Thread.sleep(250);
        }
        for (int i = 0; i < 2; i++) {
            Process worker = daemon(home.getParent(), "worker-" + i, "org.apache.spark.deploy.worker.Worker",
                    "--host", "127.0.0.1", "--cores", "1", "--memory", "2g", "--webui-port", String.valueOf(freePort()),
                    "--work-dir", dir.resolve("work-" + i).toString(), url);
            DAEMONS.add(worker);
            WORKERS.add(worker);
        }
        spark = Sessions.builder(url, "StandaloneClusterTest").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.ui.enabled", "false")
                .config("spark.executor.memory", "1g").config("spark.executor.cores", "1")
                .config("spark.cores.max", "2").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        // The driver counts as one: wait for it and both executors.
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < 3) {
            assertTrue(System.nanoTime() < deadline, "two executors registered; see " + dir + "/*.log");
            Thread.sleep(250);
        }
        nano = TinyLlama.load(Jobs.NANO);
    }

    /** A Spark daemon in a JVM of its own, with the Java 17 options this JVM was given for Spark. */
    private static Process daemon(Path sparkHome, String name, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m"));
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.startsWith("--add-") || option.startsWith("-XX:+Ignore") || option.startsWith("-Djdk.reflect")
                    || option.startsWith("-Dio.netty") || option.startsWith("-Dlog4j2")) {
                command.add(option);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        // Spark's launcher builds the executors' command from SPARK_HOME/jars (empty here: the classpath comes
        // from spark.executor.extraClassPath) and the Scala version.
        Map<String, String> env = builder.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        return builder.start();
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @AfterAll
    static void stopCluster() throws InterruptedException {
        if (spark != null) {
            spark.stop();
        }
        if (nano != null) {
            nano.close();
        }
        for (Process p : DAEMONS) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(1)
    void evalOnTheClusterEqualsOneMachine() throws IOException {
        Evaluator.Results single = Jobs.oneMachineEval(nano);
        assertEquals(0, Jobs.run(Jobs.evalArgs(dir, "cluster-eval", 4)).status());
        Jobs.assertSameAsOneMachine(single, dir.resolve("cluster-eval.json"), dir.resolve("cluster-eval.jsonl"));
    }

    @Test
    @Order(2)
    void generationSurvivesAKilledExecutorWithNoRowLostOrRepeated() throws Exception {
        int count = 16;
        Path prompts = Jobs.prompts(dir, count);
        KillOneExecutor killer = new KillOneExecutor(8);
        spark.sparkContext().addSparkListener(killer);
        Path out = dir.resolve("cluster-generated.jsonl");
        try {
            assertEquals(0, Jobs.run("generate", "--model", Jobs.NANO.toString(), "--input", prompts.toString(),
                    "--output", out.toString(), "--partitions", "8", "--batch-size", "2", "--max-new-tokens", "12",
                    "--temperature", "0.8", "--seed", "3").status());
        } finally {
            spark.sparkContext().removeSparkListener(killer);
        }
        assertTrue(killer.killed.get(), "an executor was killed mid-job");
        assertTrue(killer.removed.get() >= 1, "Spark saw the executor go");
        Jobs.assertGeneratedAlone(nano, new Sampling(GenerationConfig.builder().optMaxNewTokens(12).optTemperature(0.8).optSeed(3).build()), Jobs.rows(out), count);
    }

    /**
     * Kills one executor JVM (SIGKILL) as soon as the first task of the job's model stage (the stage of
     * {@code tasks} tasks) has finished, while the others still run or wait.
     */
    private static final class KillOneExecutor extends SparkListener {
        final AtomicBoolean killed = new AtomicBoolean();
        final AtomicInteger removed = new AtomicInteger();
        private final int tasks;
        private final Set<Integer> modelStages = ConcurrentHashMap.newKeySet();

        KillOneExecutor(int tasks) {
            this.tasks = tasks;
        }

        @Override
        public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
            if (submitted.stageInfo().numTasks() == tasks) {
                modelStages.add(submitted.stageInfo().stageId());
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (modelStages.contains(end.stageId()) && killed.compareAndSet(false, true)) {
                WORKERS.get(0).descendants().forEach(ProcessHandle::destroyForcibly);
            }
        }

        @Override
        public void onExecutorRemoved(SparkListenerExecutorRemoved executorRemoved) {
            removed.incrementAndGet();
        }
    }
}
