package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/scripted_step_device_check.py} is what a session with a GPU runs to check the scripted step on
 * CUDA; run here on the CPU, it must still load the step's source, run its checks and pass, so that it works
 * when a GPU is at hand.
 */
class ScriptedStepDeviceCheckTest {

    @Test
    void theDeviceCheckRunsOnTheCpu() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/python3", "bench/scripted_step_device_check.py", "cpu")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the check did not finish");
        assertEquals(0, p.exitValue(), "needs Debian's python3-torch (.ci/run installs it):\n" + output);
        assertEquals(2, output.lines().filter(l -> l.startsWith("cpu float32 ") && l.endsWith(" ok")).count(), output);
    }
}
