package io.github.tinyllama.spark;

import picocli.CommandLine.Option;

/** Input and output of the row-by-row jobs ({@code score}, {@code generate}). */
final class RowJobOptions {

    @Option(names = "--input", required = true, paramLabel = "FILE",
            description = "prompts.jsonl (one JSON object per line, optional 'id') or prompts.parquet (its columns "
                    + "carried through).")
    String input;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "A new directory of part files, one row per input row in input order; it appears only "
                    + "when the job succeeded.")
    String output;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "parquet or jsonl. Default: jsonl for an --output ending in .jsonl or .json, else parquet.")
    String format;

    /** The output's format, from {@code --format} or the directory's name. */
    String format(picocli.CommandLine.Model.CommandSpec spec) {
        try {
            return OutputDirectory.format(output, format);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
