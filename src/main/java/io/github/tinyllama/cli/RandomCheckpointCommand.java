package io.github.tinyllama.cli;

import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.tokenizer.SentencePieceConverter;
import io.github.tinyllama.util.AtomicFiles;
import io.github.tinyllama.util.OutputDirectory;
import io.github.tinyllama.util.RunManifest;
import io.github.tinyllama.weights.RandomCheckpoint;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tinyllama random-checkpoint}: a model directory with random weights. */
@Command(name = "random-checkpoint", mixinStandardHelpOptions = true,
        description = "Write a Hugging Face model directory with random weights, for tests and benchmarks.")
final class RandomCheckpointCommand implements Callable<Integer> {

    /** Shapes offered by name. */
    enum Preset {
        tiny,
        tinyllama_1_1b;

        LlamaConfig config() {
            return this == tiny ? LlamaConfig.tiny() : LlamaConfig.tinyLlama1b();
        }
    }


    @Parameters(index = "0", paramLabel = "OUT_DIR", description = "Directory to write (created if needed).")
    Path outDir;

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = "tiny", converter = PresetConverter.class,
            description = "tiny or tinyllama-1.1b (the released models' shape). Default: ${DEFAULT-VALUE}.")
    Preset preset;

    @Option(names = "--config", paramLabel = "FILE", description = "Take the shape from this config.json instead of a preset.")
    Path config;

    @Option(names = {"--storage-type", "--dtype"}, paramLabel = "TYPE", defaultValue = "bf16",
            converter = TypeOptions.StorageTypeConverter.class,
            description = "Storage type, the element type written: bf16, f16 or f32. Default: ${DEFAULT-VALUE}.")
    DType storageType;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "Put this tokenizer.json, or SentencePiece tokenizer.model (converted), beside the weights.")
    Path tokenizer;

    @Mixin
    OverwriteOption output;

    @Override
    public Integer call() throws Exception {
        LlamaConfig shape = config != null ? LlamaConfig.fromFile(config) : preset.config();
        // Before anything is staged, so that the message names the output and nothing is written.
        RandomCheckpoint.checkSize(outDir, shape, storageType);
        RunManifest manifest = RunManifest.of("random-checkpoint").identity("config",
                        "sha256 " + RunManifest.textFingerprint(shape.toJson(storageType.torchName())))
                .identity("seed", seed).identity("tokenizer", tokenizer == null ? null
                        : tokenizer.toAbsolutePath().normalize() + ", sha256 " + RunManifest.fileFingerprint(tokenizer));
        try (OutputDirectory out = OutputDirectory.create(outDir, manifest, output.overwrite)) {
            RandomCheckpoint.write(out.dir(), shape, storageType, seed);
            if (tokenizer != null) {
                addTokenizer(out.dir());
            }
            out.commit();
        }
        System.err.printf("Wrote %s: %,d parameters, %s%n", outDir, shape.parameterCount(),
                TypeOptions.storageName(storageType));
        return 0;
    }

    private void addTokenizer(Path dir) throws IOException {
        if (tokenizer.getFileName().toString().endsWith(".json")) {
            AtomicFiles.copy(tokenizer, dir.resolve(SentencePieceConverter.TOKENIZER_JSON));
        } else {
            SentencePieceConverter.convert(tokenizer, dir);
        }
    }

    /** Accepts the preset names as users write them ({@code tinyllama-1.1b}). */
    static final class PresetConverter implements picocli.CommandLine.ITypeConverter<Preset> {
        @Override
        public Preset convert(String value) {
            switch (value) {
                case "tiny":
                    return Preset.tiny;
                case "tinyllama-1.1b":
                    return Preset.tinyllama_1_1b;
                default:
                    throw new picocli.CommandLine.TypeConversionException(
                            "unknown preset '" + value + "': use tiny or tinyllama-1.1b");
            }
        }
    }
}
