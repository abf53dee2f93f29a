package io.github.tinyllama.checkpoint;

import io.github.tinyllama.util.FileChannels;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, validated on open, whose tensors are memory-mapped on demand.
 *
 * <p>Each {@link #raw} call maps just that tensor's bytes, which sidesteps the 2 GiB limit of a
 * single mapping for files of any size; only a single tensor over 2 GiB is refused. Mappings
 * stay valid after {@link #close()} and are released by the garbage collector.
 */
public final class SafetensorsFile implements TensorFile {
    /** Same cap as the reference Rust implementation: a real header is a few hundred KB at most. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final int LENGTH_PREFIX_BYTES = 8;

    private final Path file;
    private final FileChannel channel;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path file, FileChannel channel, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens and validates a safetensors file.
     *
     * @param file the file
     * @return the open file; close it to release the file handle
     * @throws CheckpointFormatException if the header or the tensor layout is malformed
     * @throws IOException if the file cannot be read
     */
    public static SafetensorsFile open(Path file) throws IOException {
        return TensorFile.open(file, SafetensorsFile::read);
    }

    private static SafetensorsFile read(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < LENGTH_PREFIX_BYTES) {
            throw new CheckpointFormatException(file + ": file is " + fileSize
                    + " bytes, shorter than the 8-byte safetensors header length");
        }
        long headerLength = FileChannels.readFully(channel, 0, LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .getLong();
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new CheckpointFormatException(file + ": header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength > fileSize - LENGTH_PREFIX_BYTES) {
            throw new CheckpointFormatException(file + ": header length " + headerLength
                    + " runs past the end of the " + fileSize + "-byte file");
        }
        SafetensorsHeader header = SafetensorsHeader.parse(file,
                FileChannels.readFully(channel, LENGTH_PREFIX_BYTES, (int) headerLength));
        long dataStart = LENGTH_PREFIX_BYTES + headerLength;
        Map<String, TensorInfo> tensors = layOut(file, header.entries, dataStart, fileSize - dataStart);
        return new SafetensorsFile(file, channel, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(header.metadata));
    }

    /** Checks each entry's size and bounds, then that no two entries share bytes. */
    private static Map<String, TensorInfo> layOut(Path file, List<SafetensorsHeader.Entry> entries,
            long dataStart, long dataLength) throws CheckpointFormatException {
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (SafetensorsHeader.Entry e : entries) {
            String where = file + ": tensor \"" + e.name() + "\"";
            long expected;
            try {
                long numel = 1;
                for (long d : e.shape()) {
                    numel = Math.multiplyExact(numel, d);
                }
                expected = Math.multiplyExact(numel, e.dtype().byteSize());
            } catch (ArithmeticException overflow) {
                throw new CheckpointFormatException(where + ": element count of shape "
                        + Arrays.toString(e.shape()) + " overflows");
            }
            if (e.begin() < 0 || e.end() < e.begin()) {
                throw new CheckpointFormatException(where + ": data_offsets [" + e.begin() + ", " + e.end()
                        + "] are negative or end before they begin");
            }
            if (e.end() > dataLength) {
                throw new CheckpointFormatException(where + ": data_offsets [" + e.begin() + ", " + e.end()
                        + "] lie outside the " + dataLength + "-byte data section");
            }
            if (e.end() - e.begin() != expected) {
                throw new CheckpointFormatException(where + ": data_offsets span " + (e.end() - e.begin())
                        + " bytes but shape " + Arrays.toString(e.shape()) + " of " + e.dtype()
                        + " needs " + expected);
            }
            tensors.put(e.name(), new TensorInfo(e.name(), e.dtype(), e.shape(), file,
                    dataStart + e.begin(), expected));
        }
        List<SafetensorsHeader.Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(SafetensorsHeader.Entry::begin)
                .thenComparingLong(SafetensorsHeader.Entry::end));
        for (int i = 1; i < byOffset.size(); i++) {
            SafetensorsHeader.Entry prev = byOffset.get(i - 1);
            SafetensorsHeader.Entry cur = byOffset.get(i);
            if (cur.begin() < prev.end()) {
                throw new CheckpointFormatException(file + ": tensors \"" + prev.name() + "\" and \""
                        + cur.name() + "\" overlap in the data section");
            }
        }
        return tensors;
    }

    /** @return the path this file was opened from */
    public Path path() {
        return file;
    }

    /** @return every tensor, in header order */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** @return the {@code __metadata__} entries, empty if there are none */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Maps one tensor's bytes.
     *
     * @param name a tensor name from {@link #tensors()}
     * @return a read-only little-endian view of exactly the tensor's bytes, position 0
     * @throws IllegalArgumentException if there is no such tensor
     * @throws CheckpointFormatException if the tensor is over 2 GiB, which one buffer cannot hold
     * @throws IOException if mapping fails, e.g. because the file was closed or truncated
     */
    public ByteBuffer raw(String name) throws IOException {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException(file + ": no tensor named \"" + name + "\"");
        }
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new CheckpointFormatException(file + ": tensor \"" + name + "\" is " + info.byteLength()
                    + " bytes, more than the 2 GiB one buffer can map");
        }
        if (info.byteLength() == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer();
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, info.offset(), info.byteLength())
                .asReadOnlyBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads one tensor and converts it into {@code dst}, streaming through a small staging buffer.
     *
     * <p>Unlike {@link #raw}, nothing stays mapped: the file's pages are read through the page
     * cache and never count towards the process's resident memory, so loading a model costs the
     * memory of the converted weights alone.
     *
     * @param name a tensor name from {@link #tensors()}
     * @param target the element type to write
     * @param dst receives {@code numel} elements of {@code target} from its position, in its byte order;
     *     its position is not changed
     * @throws IllegalArgumentException if there is no such tensor or {@code dst} has too little room
     * @throws IOException if reading fails or the file ends early
     */
    public void readInto(String name, DType target, ByteBuffer dst) throws IOException {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException(file + ": no tensor named \"" + name + "\"");
        }
        RangeReader.read(channel, info, target, dst);
    }

    /** Closes the file handle; buffers already returned by {@link #raw} remain readable. */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
