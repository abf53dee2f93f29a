/**
 * Pre-training data in lit-gpt's packed format, as TinyLlama prepared it.
 *
 * <p>{@link io.github.tinyllama.data.DocumentReader} reads documents from {@code .txt},
 * {@code .jsonl}, {@code .jsonl.gz}, {@code .jsonl.zst} (SlimPajama) and {@code .parquet}
 * (StarCoderData, through the dependency-free {@link io.github.tinyllama.data.ParquetReader}, which also
 * reads nested and typed columns as JSON rows for the evaluation data sets), with
 * {@link io.github.tinyllama.data.FieldFilter}s; malformed records are reported with file and line.
 * {@link io.github.tinyllama.data.PrepareData} tokenises them, in parallel but deterministically, into
 * a {@link io.github.tinyllama.data.PackedWriter}, which writes {@code {prefix}_{n:010d}.bin} files
 * byte for byte as lit-gpt's {@code PackedDatasetBuilder} ({@link io.github.tinyllama.data.PackedFormat}).
 * For training, {@link io.github.tinyllama.data.PackedDataset} (a DJL {@code RandomAccessDataset})
 * serves {@code seqLen + 1}-token blocks as {@code input}/{@code target}, and
 * {@link io.github.tinyllama.data.Mixture} draws blocks from several prefixes with lit-gpt's
 * {@code random.Random(seed).choices}, exactly, with a position to save and resume from.
 *
 * <p>May import: {@code tokenizer}, {@code util}.
 */
package io.github.tinyllama.data;
