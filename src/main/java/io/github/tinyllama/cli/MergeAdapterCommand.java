package io.github.tinyllama.cli;

import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.weights.LoraMerge;

import io.github.tinyllama.util.OutputDirectory;
import io.github.tinyllama.util.RunManifest;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tinyllama merge-adapter}: base model + PEFT LoRA adapter to a plain Hugging Face checkpoint. */
@Command(name = "merge-adapter", mixinStandardHelpOptions = true,
        description = {"Fold a PEFT LoRA adapter into its base model and write a plain Hugging Face model directory",
            "(model.safetensors, config.json, generation and tokenizer files) that loads without PEFT."})
final class MergeAdapterCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR|NAME",
            description = "The adapter's base model: a Hugging Face model directory or a released checkpoint's name.")
    String model;

    @Option(names = "--revision", paramLabel = "REV",
            description = "Branch, tag or commit of a released checkpoint's repository. Default: the catalogue's.")
    String revision;

    @Option(names = "--adapter", required = true, paramLabel = "DIR",
            description = "PEFT adapter directory (adapter_config.json, adapter_model.safetensors).")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created if needed).")
    Path out;

    @Option(names = {"--storage-type", "--dtype"}, paramLabel = "TYPE",
            converter = TypeOptions.StorageTypeConverter.class,
            description = "Storage type, the element type written: bf16, f16 or f32. Default: each tensor's type in the base model.")
    DType storageType;

    @Mixin
    OverwriteOption output;

    @Override
    public Integer call() throws Exception {
        Path base = ModelLoading.resolve(model, revision, true);
        for (Path input : new Path[] {base, adapter}) {
            if (Files.exists(out) && Files.exists(input) && Files.isSameFile(input, out)) {
                throw new IOException(out + ": the merged model must go to another directory than its "
                        + (input == base ? "base" : "adapter"));
            }
        }
        RunManifest manifest = RunManifest.of("merge-adapter").identity("model", base.toAbsolutePath().normalize())
                .identity("adapter", adapter.toAbsolutePath().normalize() + ", "
                        + RunManifest.treeFingerprint(adapter, p -> true))
                .identity("dtype", storageType);
        try (OutputDirectory staged = OutputDirectory.create(out, manifest, output.overwrite)) {
            LoraMerge.writeMerged(base, adapter, staged.dir(), storageType);
            staged.commit();
        }
        System.err.printf("Wrote %s (%s with %s merged)%n", out, base.getFileName(), adapter.getFileName());
        return 0;
    }
}
