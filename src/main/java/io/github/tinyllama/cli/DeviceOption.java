package io.github.tinyllama.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;

import io.github.tinyllama.weights.Devices;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.util.regex.Pattern;

/**
 * {@code --device cpu|gpu|gpu:N|auto}: where a command runs or trains the model; a mixin of {@link ModelOptions},
 * {@link TrainingOptions} and {@code bench-train}. The spelling is checked while parsing; whether the engine has
 * that GPU is checked when the command starts its work, so {@code --help} never starts the engine. Both are usage
 * errors (exit status 2): the machine cannot do what the command line asks. Public for the Spark jobs, which take
 * the same spellings.
 */
public final class DeviceOption {

    private static final Pattern SPEC = Pattern.compile("auto|cpu|gpu(:\\d+)?");

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto", converter = Converter.class,
            description = "cpu, gpu, gpu:N, or auto (the engine's first GPU if it has one, else the CPU)."
                    + " Default: ${DEFAULT-VALUE}.")
    String spec = "auto";

    /** Accepts the four spellings and keeps the text. */
    public static final class Converter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!SPEC.matcher(value).matches()) {
                throw new TypeConversionException("'" + value + "' is not a device: use cpu, gpu, gpu:N or auto");
            }
            return value;
        }
    }

    /**
     * The device given: {@code auto} is the engine's default (its first GPU if it has one, else the CPU);
     * {@code gpu} is {@code gpu:0}.
     *
     * @param command the command whose usage error a missing GPU is
     * @throws picocli.CommandLine.ParameterException (exit status 2) if the engine has no such GPU
     */
    Device resolve(CommandSpec command) {
        try {
            return resolve(spec);
        } catch (IllegalArgumentException e) {
            throw Usage.error(command, e.getMessage());
        }
    }

    /**
     * The device a spelling names, as {@link #resolve(CommandSpec)} but for callers outside picocli (the Spark
     * jobs).
     *
     * @throws IllegalArgumentException if the engine has no such GPU
     */
    public static Device resolve(String spec) {
        if (spec.equals("auto")) {
            return Engine.getInstance().defaultDevice();
        }
        if (spec.equals("cpu")) {
            return Device.cpu();
        }
        int id = spec.equals("gpu") ? 0 : Integer.parseInt(spec.substring("gpu:".length()));
        Devices.check(Device.gpu(id), Engine.getInstance(), "--device " + spec);
        return Device.gpu(id);
    }

    /** A device as {@code --device} and the JSON outputs spell it: {@code cpu} or {@code gpu:N}. */
    public static String name(Device device) {
        return device.isGpu() ? "gpu:" + device.getDeviceId() : device.getDeviceType();
    }
}
