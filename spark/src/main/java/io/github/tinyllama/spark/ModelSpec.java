package io.github.tinyllama.spark;

import io.github.tinyllama.cli.DeviceOption;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.weights.ComputeType;
import io.github.tinyllama.zoo.HubClient;
import io.github.tinyllama.zoo.ModelLocator;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * Which model a job runs, as every executor loads it: a directory every node sees or a released checkpoint's
 * name (fetched into each node's hub cache, {@code HF_ENDPOINT} and {@code HF_HUB_OFFLINE} honoured), its
 * revision, the compute type and the device. Small and serializable: this is what travels to the executors,
 * never the weights.
 *
 * @param model a model directory or a released checkpoint's name, as {@code --model} takes it
 * @param revision a branch, tag or commit of the checkpoint's repository; {@code null} for the catalogue's
 * @param computeType {@code auto}, {@code float32}, {@code float16} or {@code int8}
 * @param device {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}
 */
public record ModelSpec(String model, String revision, String computeType, String device) implements Serializable {

    public ModelSpec {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("no model given");
        }
        ComputeType.of(computeType); // fails on the driver, before any executor tries
        if (!device.matches("auto|cpu|gpu(:\\d+)?")) {
            throw new IllegalArgumentException("'" + device + "' is not a device: use cpu, gpu, gpu:N or auto");
        }
    }

    /** A model with the defaults of the command line: its catalogue revision, compute type auto, device auto. */
    public static ModelSpec of(String model) {
        return new ModelSpec(model, null, "auto", "auto");
    }

    /** Finds (downloading a released checkpoint once) and loads the model in this JVM. */
    TinyLlama load() throws IOException {
        Path dir = ModelLocator.locate(model, revision, HubClient.fromEnvironment(), null);
        return TinyLlama.builder(dir).optComputeType(ComputeType.of(computeType))
                .optDevice(DeviceOption.resolve(device)).load();
    }
}
