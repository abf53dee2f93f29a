package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.testing.CliRun;
import io.github.tinyllama.train.MetricsLog;
import io.github.tinyllama.train.StepMetrics;
import io.github.tinyllama.util.RunDirectory;
import io.github.tinyllama.util.RunManifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Faults a user cannot cause from inside one JVM, injected into a child JVM running the command
 * line: {@code kill -9} in the middle of checkpoint writes, a disk that fills (a file-size limit),
 * and a second process on a run directory.
 */
class RunFaultsTest {

    private static final int STEPS = 6;

    @TempDir
    Path dir;

    /**
     * Killed three times while writing a checkpoint (at a random moment within the write), each time
     * resumed: every checkpoint left is complete, and the run ends with the same weights, bit for bit,
     * and the same losses as a run that was never interrupted.
     */
    @Test
    void killedWhileCheckpointingThenResumedEndsBitForBitAsAnUninterruptedRun() throws Exception {
        TinyRun tiny = TinyRun.in(dir);
        Path straight = dir.resolve("straight");
        assertEquals(0, CliRun.of(tiny.args(straight, STEPS, "--metrics", dir.resolve("straight.jsonl").toString()))
                .status());

        Path out = dir.resolve("killed");
        Path metrics = dir.resolve("killed.jsonl");
        Random random = new Random(17);
        for (int kill = 0; kill < 3; kill++) {
            Process child = start(tiny.args(out, STEPS, "--resume", "--metrics", metrics.toString()), null);
            boolean killedMidWrite = killDuringACheckpointWrite(child, out, random);
            assertTrue(killedMidWrite, "the child ended before a checkpoint write could be interrupted");
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            for (String name : OutputSafetyTest.names(out)) {
                if (name.startsWith("step-")) {
                    assertTrue(Files.isRegularFile(out.resolve(name).resolve("state.json"))
                            && Files.isRegularFile(out.resolve(name).resolve("optimizer.safetensors"))
                            && Files.isRegularFile(out.resolve(name).resolve("model.safetensors")),
                            name + " is complete under its final name");
                }
            }
        }
        CliRun rest = CliRun.of(tiny.args(out, STEPS, "--resume", "--metrics", metrics.toString()));
        assertEquals(0, rest.status(), rest.err());
        assertArrayEquals(Files.readAllBytes(straight.resolve("model.safetensors")),
                Files.readAllBytes(out.resolve("model.safetensors")));
        List<StepMetrics> expected = MetricsLog.read(dir.resolve("straight.jsonl"));
        List<StepMetrics> actual = MetricsLog.read(metrics);
        assertEquals(STEPS, actual.size());
        for (int i = 0; i < STEPS; i++) {
            assertEquals(expected.get(i).loss(), actual.get(i).loss(), 0, "loss of step " + (i + 1));
            assertEquals(expected.get(i).gradNorm(), actual.get(i).gradNorm(), 0, "gradient norm of step " + (i + 1));
        }
    }

    /** A disk that fills (a file-size limit below a checkpoint's size): one clear line, no half-written checkpoint. */
    @Test
    void aFullDiskFailsWithOneLineAndLeavesNoHalfWrittenCheckpoint() throws Exception {
        TinyRun tiny = TinyRun.in(dir);
        Path out = dir.resolve("run");
        // ulimit -f counts KiB: the manifest and metrics fit, a checkpoint's 1 MiB weights file does not.
        Process child = start(tiny.args(out, 2), "ulimit -f 512");
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        String err = Files.readString(dir.resolve("child.err"));
        assertEquals(1, child.exitValue(), err);
        List<String> errors = err.lines().filter(l -> l.startsWith("tinyllama pretrain: error:")).toList();
        assertEquals(1, errors.size(), err);
        // The cause is the file-size limit, which the file writer names in its own words.
        assertTrue(errors.get(0).contains("could not write the checkpoint " + out.resolve("step-00000001"))
                && errors.get(0).contains("file size limit reached"), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        assertEquals(List.of(".tinyllama.lock", RunManifest.FILE_NAME), OutputSafetyTest.names(out),
                "no checkpoint, complete or partial, and no temporary directory");
    }

    /** Another process holding the run directory: refused at once, naming the directory and the holder's pid. */
    @Test
    void aSecondProcessOnARunDirectoryIsRefusedAtOnce() throws Exception {
        TinyRun tiny = TinyRun.in(dir);
        Path out = dir.resolve("run");
        try (RunDirectory held = RunDirectory.open(out, RunManifest.of("pretrain"), RunDirectory.Start.NEW)) {
            Process child = start(tiny.args(out, 1, "--resume"), null);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
            String err = Files.readString(dir.resolve("child.err"));
            assertEquals(1, child.exitValue(), err);
            assertTrue(err.contains(out + " is in use by another run (tinyllama pretrain, pid "
                    + ProcessHandle.current().pid()), err);
        }
    }

    /**
     * Watches {@code out} for a new checkpoint temporary directory (not one an earlier kill left) and
     * kills the child (SIGKILL) a random 0-4 ms after one appears, at the first or second write; false
     * if the child ended first.
     */
    private static boolean killDuringACheckpointWrite(Process child, Path out, Random random) throws Exception {
        int skip = random.nextInt(2);
        Set<Object> seen = new HashSet<>(checkpointWrites(out));
        while (child.isAlive()) {
            for (Object write : checkpointWrites(out)) {
                if (seen.add(write) && skip-- == 0) {
                    Thread.sleep(random.nextInt(5));
                    child.destroyForcibly();
                    return true;
                }
            }
            Thread.sleep(1);
        }
        return false;
    }

    /** The checkpoint temporary directories in {@code out}, by file key (a rewritten one is a new one). */
    private static List<Object> checkpointWrites(Path out) {
        if (!Files.isDirectory(out)) {
            return List.of();
        }
        List<Object> writes = new ArrayList<>();
        try (var list = Files.list(out)) {
            for (Path p : list.filter(p -> p.getFileName().toString().startsWith(".step-")).toList()) {
                writes.add(Files.readAttributes(p, BasicFileAttributes.class).fileKey());
            }
        } catch (IOException e) {
            // The directory changed while listed (a temporary directory renamed); the next look sees it.
        }
        return writes;
    }

    /** Starts {@code tinyllama ARGS} in a child JVM, after {@code shellPrefix} (a ulimit) when given. */
    private Process start(String[] args, String shellPrefix) throws IOException {
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true", "-cp", classPath(), Main.class.getName()));
        java.addAll(List.of(args));
        List<String> command = new ArrayList<>();
        if (shellPrefix != null) {
            command.addAll(List.of("bash", "-c", shellPrefix + "; exec \"$@\"", "bash"));
        }
        command.addAll(java);
        return new ProcessBuilder(command).redirectOutput(dir.resolve("child.out").toFile())
                .redirectError(dir.resolve("child.err").toFile()).start();
    }

    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }
}
