package io.github.tinyllama.cli;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.checkpoint.LitGptFormat;
import io.github.tinyllama.checkpoint.SafetensorsWriter;
import io.github.tinyllama.checkpoint.SideFiles;
import io.github.tinyllama.checkpoint.TensorSource;
import io.github.tinyllama.checkpoint.TorchWriter;
import io.github.tinyllama.config.LlamaConfig;

import io.github.tinyllama.util.OutputDirectory;
import io.github.tinyllama.util.RunManifest;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tinyllama convert}: between HF safetensors, HF {@code pytorch_model.bin} and lit-gpt {@code lit_model.pth}. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a checkpoint between Hugging Face and lit-gpt layouts.",
            "Input (detected): model.safetensors[.index.json], pytorch_model.bin[.index.json] or lit_model.pth "
                    + "(which needs config.json or --config for the attention shape).",
            "Output: --format hf writes model.safetensors; --format lit writes lit_model.pth. config.json, "
                    + "generation_config.json and tokenizer files are copied when present."})
final class ConvertCommand implements Callable<Integer> {

    /** Output layouts. */
    enum Format {
        hf,
        lit
    }

    @Option(names = "--from", required = true, paramLabel = "DIR", description = "Input model directory (or a .pth file).")
    Path from;

    @Option(names = "--to", required = true, paramLabel = "DIR", description = "Output directory (created if needed).")
    Path to;

    @Option(names = "--format", required = true, paramLabel = "FORMAT",
            description = "Output layout: ${COMPLETION-CANDIDATES}.")
    Format format;

    @Option(names = {"--storage-type", "--dtype"}, paramLabel = "TYPE",
            converter = TypeOptions.StorageTypeConverter.class,
            description = "Storage type, the element type written: bf16, f16 or f32. Default: each tensor's input type.")
    DType storageType;

    @Option(names = "--config", paramLabel = "FILE",
            description = "config.json giving the shape (default: the one in the input directory).")
    Path config;

    @Mixin
    OverwriteOption output;

    @Override
    public Integer call() throws IOException {
        Path inDir = Files.isRegularFile(from) ? from.toAbsolutePath().getParent() : from;
        if (!Files.exists(from)) {
            throw new IOException(from + ": no such model directory");
        }
        if (Files.exists(to) && Files.isSameFile(inDir, to)) {
            throw new IOException(to + ": output directory must differ from the input");
        }
        Path configFile = config != null ? config : inDir.resolve(LlamaConfig.FILE_NAME);
        DType target = storageType;
        RunManifest manifest = RunManifest.of("convert").identity("from", from.toAbsolutePath().normalize())
                .identity("input", Files.isRegularFile(from) ? Files.size(from) + " bytes"
                        : RunManifest.treeFingerprint(from, p -> true)).identity("format", format)
                .identity("dtype", storageType).identity("config", config == null ? null : config.toAbsolutePath().normalize());
        try (OutputDirectory staged = OutputDirectory.create(to, manifest, output.overwrite);
                Checkpoint in = openInput(configFile)) {
            write(in, staged.dir(), configFile, inDir, target);
            staged.commit();
            System.err.printf("Wrote %s (%s, %d tensors from %s)%n", to, format, in.names().size(),
                    in.format().toString().toLowerCase());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return 0;
    }

    private void write(Checkpoint in, Path to, Path configFile, Path inDir, DType target) throws IOException {
        if (format == Format.hf) {
            List<TensorSource> sources = new ArrayList<>();
            for (String name : in.names()) {
                sources.add(in.source(name, name, target != null ? target : in.info(name).dtype()));
            }
            SafetensorsWriter.write(to.resolve(Checkpoint.SINGLE_FILE), Map.of("format", "pt"), sources);
        } else {
            LitGptFormat lit = LitGptFormat.of(LlamaConfig.fromFile(configFile));
            TorchWriter.write(to.resolve(LitGptFormat.FILE_NAME), lit.litTensors(in, target));
        }
        SideFiles.copy(configFile, inDir, to, target);
    }

    private Checkpoint openInput(Path configFile) throws IOException {
        Path lit = Files.isRegularFile(from) ? from : from.resolve(LitGptFormat.FILE_NAME);
        boolean hasHf = Files.isDirectory(from) && List.of(Checkpoint.SINGLE_FILE, Checkpoint.INDEX_FILE,
                Checkpoint.TORCH_FILE, Checkpoint.TORCH_INDEX_FILE).stream().anyMatch(f -> Files.isRegularFile(from.resolve(f)));
        if (hasHf || !Files.isRegularFile(lit)) {
            return Checkpoint.open(from);
        }
        if (!Files.isRegularFile(configFile)) {
            throw new IOException(lit + ": a lit-gpt checkpoint needs " + configFile
                    + " (or --config FILE) for the attention shape");
        }
        return LitGptFormat.of(LlamaConfig.fromFile(configFile)).open(lit);
    }
}
