package io.github.tinyllama.weights;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * Whether the engine has a device, asked before any weight goes there: libtorch's own failure for a missing GPU is
 * a page listing its backends, and comes only at the first tensor.
 */
public final class Devices {

    private Devices() {
    }

    /**
     * Checks that {@code engine} has {@code device}.
     *
     * @param what how the caller names the device, the start of the message (for example {@code --device gpu:1})
     * @throws IllegalArgumentException if the device is a GPU the engine does not have
     */
    public static void check(Device device, Engine engine, String what) {
        if (!device.isGpu()) {
            return;
        }
        int gpus = engine.getGpuCount();
        if (device.getDeviceId() >= gpus) {
            throw new IllegalArgumentException(what + ": the engine sees " + gpus + " GPU" + (gpus == 1 ? "" : "s")
                    + (gpus == 0 ? " (a CPU-only libtorch; see docs/devices.md)" : ""));
        }
    }
}
