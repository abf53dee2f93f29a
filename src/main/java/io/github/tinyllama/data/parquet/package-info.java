/**
 * The parts of {@link io.github.tinyllama.data.ParquetReader}: the Thrift compact protocol
 * ({@link io.github.tinyllama.data.parquet.ThriftCompact}) with the field ids of {@code parquet.thrift}
 * named in {@link io.github.tinyllama.data.parquet.ParquetThrift}, the schema tree and its leaf columns
 * ({@link io.github.tinyllama.data.parquet.Schema}), page decoding with the value encodings and codecs
 * ({@link io.github.tinyllama.data.parquet.ChunkDecoder}), and record assembly from repetition and
 * definition levels ({@link io.github.tinyllama.data.parquet.RecordAssembly}). Use {@code ParquetReader};
 * these classes are public only so that it can reach them.
 *
 * <p>May import: {@code util} (it follows the {@code data} package's line).
 */
package io.github.tinyllama.data.parquet;
