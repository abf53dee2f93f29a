package io.github.tinyllama.cli;

import ai.djl.training.util.ProgressBar;

import io.github.tinyllama.data.DocumentReader;
import io.github.tinyllama.data.FieldFilter;
import io.github.tinyllama.data.PackedFormat;
import io.github.tinyllama.data.PrepareData;
import io.github.tinyllama.tokenizer.LlamaTokenizer;
import io.github.tinyllama.util.RunManifest;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama prepare-data}: tokenise a corpus into lit-gpt packed files. */
@Command(name = "prepare-data", mixinStandardHelpOptions = true,
        description = {"Tokenise documents (.txt, .jsonl, .jsonl.gz, .jsonl.zst, .parquet) into lit-gpt packed files "
                + "{prefix}_{n:010d}.bin (LITPKDS, uint16, BOS-filled chunks).",
            "The final partial chunk is discarded, as lit-gpt does since Nov 2023; a corpus smaller than one chunk "
                + "writes no file."})
final class PrepareDataCommand implements Callable<Integer> {

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR|FILE",
            description = "Tokenizer: a model directory, tokenizer.json or tokenizer.model.")
    Path tokenizer;

    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH",
            description = "Input files or directories (searched recursively, read in sorted order).")
    List<Path> inputs = new ArrayList<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created if needed).")
    Path out;

    @Option(names = "--prefix", required = true, paramLabel = "NAME", description = "File-name prefix, e.g. train_slim.")
    String prefix;

    @Option(names = "--text-field", paramLabel = "FIELD",
            description = "JSON field (dotted path) or Parquet column holding the text (default: text in JSON, content in Parquet).")
    String textField;

    @Option(names = "--filter", paramLabel = "FIELD!=VALUE",
            description = "Keep only records with FIELD=VALUE, or drop those with FIELD!=VALUE; repeatable, "
                    + "e.g. meta.redpajama_set_name!=RedPajamaGithub.")
    List<String> filters = new ArrayList<>();

    @Option(names = "--eos", description = "Append </s> after each document (lit-gpt since Oct 2023).")
    boolean eos;

    @Option(names = "--bos", description = "Prepend <s> to each document (lit-gpt's setting for TinyLlama's first runs).")
    boolean bos;

    @Spec
    CommandSpec spec;

    @Option(names = "--workers", defaultValue = "1", paramLabel = "N",
            description = "Tokenising threads; the output is the same whatever N (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--chunk-tokens", paramLabel = "N",
            description = "Tokens per file (default: 2049 x 1024 = " + PackedFormat.DEFAULT_CHUNK_TOKENS + ").")
    int chunkTokens = PackedFormat.DEFAULT_CHUNK_TOKENS;

    @Option(names = "--strict", description = "Stop at the first malformed record instead of skipping it.")
    boolean strict;

    @Option(names = "--quiet", description = "No progress bar and no warnings; the summary line is still printed.")
    boolean quiet;

    @Mixin
    OverwriteOption output;

    @Override
    public Integer call() throws Exception {
        List<FieldFilter> parsed = new ArrayList<>();
        for (String f : filters) {
            parsed.add(FieldFilter.parse(f));
        }
        Usage.require(spec, workers >= 1, "--workers must be at least 1, not " + workers);
        Usage.require(spec, chunkTokens >= 2, "--chunk-tokens must be at least 2, not " + chunkTokens);
        PrintStream err = System.err;
        long[] warned = {0};
        try (LlamaTokenizer tok = LlamaTokenizer.load(tokenizer);
                PrefixOutput staged = PrefixOutput.create(out, prefix, manifest(tok), output.overwrite)) {
            ProgressBar bar = quiet || System.console() == null ? null : new ProgressBar("Tokenising", 1);
            PrepareData job = PrepareData.builder(tok, staged.dir(), prefix)
                    .optTextField(textField).optFilters(parsed).optEos(eos).optBos(bos).optWorkers(workers)
                    .optChunkTokens(chunkTokens).optStrict(strict)
                    .optOnMalformed(e -> {
                        if (!quiet && warned[0]++ < 100) {
                            err.println("tinyllama prepare-data: warning: skipped " + e.getMessage());
                        }
                    })
                    .optListener(p -> {
                        if (bar != null) {
                            drawOnStderr(() -> {
                                bar.reset("Tokenising", Math.max(1, p.inputs()), null);
                                bar.update(p.inputsDone(), String.format(Locale.ROOT,
                                        "%,d docs, %,d tokens, %,.0f tokens/s", p.documents(), p.tokens(),
                                        p.tokensPerSecond()));
                            });
                        }
                    })
                    .build();
            PrepareData.Summary s = job.run(inputs);
            if (s.documents() == 0 && s.skipped() > 0) {
                // Nothing is committed: an input that is all malformed must not pass for an empty corpus.
                throw new IOException("no record of " + s.inputs() + " input(s) could be read: " + s.skipped()
                        + " malformed record(s) skipped (the first are named above)");
            }
            staged.commit();
            if (bar != null) {
                drawOnStderr(bar::end);
            }
            if (s.skipped() > 100 && !quiet) {
                err.println("tinyllama prepare-data: warning: " + (s.skipped() - 100) + " more malformed records skipped");
            }
            System.out.println(String.format(Locale.ROOT,
                    "%,d documents, %,d tokens (%,d written, %,d in the discarded final partial chunk), %d files, "
                            + "%,d malformed records skipped, %,d filtered out, %d inputs, %.1f s, %,.0f tokens/s",
                    s.documents(), s.tokens(), s.tokensWritten(), s.discardedTokens(), s.files().size(), s.skipped(),
                    s.filtered(), s.inputs(), s.seconds(), s.tokensPerSecond()));
        }
        return 0;
    }

    /** What makes the chunks this corpus's: the tokenizer, the inputs (names and sizes) and how they are read. */
    private RunManifest manifest(LlamaTokenizer tok) throws IOException {
        StringBuilder files = new StringBuilder();
        for (Path input : DocumentReader.expand(inputs)) {
            files.append(input.toAbsolutePath().normalize()).append('\0').append(Files.size(input)).append('\n');
        }
        return RunManifest.of("prepare-data").identity("prefix", prefix)
                .identity("tokenizer", tokenizer.toAbsolutePath().normalize() + ", vocabulary " + tok.vocabSize())
                .identity("inputs", DocumentReader.expand(inputs).size() + " files, sha256 "
                        + RunManifest.textFingerprint(files.toString()))
                .identity("text_field", textField).identity("filters", String.join(" ", filters))
                .identity("eos", eos).identity("bos", bos).identity("chunk_tokens", chunkTokens)
                .setting("strict", strict).setting("workers", workers);
    }

    /** DJL's progress bar draws on standard output; move it to standard error. */
    private static void drawOnStderr(Runnable draw) {
        PrintStream stdout = System.out;
        System.setOut(System.err);
        try {
            draw.run();
        } finally {
            System.setOut(stdout);
        }
    }
}
