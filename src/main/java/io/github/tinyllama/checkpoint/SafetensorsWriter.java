package io.github.tinyllama.checkpoint;

import com.google.gson.stream.JsonWriter;

import io.github.tinyllama.util.AtomicFiles;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes safetensors files in the standard layout, loadable by Python's {@code safetensors}.
 *
 * <p>Layout: an 8-byte little-endian header length, a JSON header padded with spaces to a
 * multiple of 8 bytes, then the tensors' bytes back to back in the order given. Tensor bytes are
 * pulled from each {@link TensorSource} one at a time, so only one tensor is ever in memory.
 *
 * <p>Every file is written to a temporary file in the target directory, forced to disk, then
 * renamed over the target atomically; on any failure the temporary file is deleted and the target
 * is left as it was.
 */
public final class SafetensorsWriter {
    private static final int ALIGNMENT = 8;

    private SafetensorsWriter() {
    }

    /**
     * Writes one safetensors file atomically.
     *
     * @param file the target; replaced if it exists
     * @param metadata written as {@code __metadata__}; may be empty
     * @param tensors the tensors, in file order; names must be distinct
     * @throws IllegalArgumentException if names repeat or a source supplies the wrong number of bytes
     * @throws IOException if writing fails
     */
    public static void write(Path file, Map<String, String> metadata, List<TensorSource> tensors)
            throws IOException {
        checkDistinct(tensors);
        byte[] header = header(metadata, tensors);
        AtomicFiles.write(file, out -> {
            AtomicFiles.writeAll(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip());
            AtomicFiles.writeAll(out, ByteBuffer.wrap(header));
            for (TensorSource t : tensors) {
                writeTensor(out, t);
            }
        });
    }

    /**
     * Writes a sharded checkpoint: {@code model-0000i-of-0000n.safetensors} files plus
     * {@code model.safetensors.index.json}, the index last so that it never names a shard that is
     * not complete. Tensors are packed greedily in order; a tensor larger than {@code maxShardBytes}
     * gets a shard of its own. A {@code model.safetensors} already in {@code dir} is left alone and
     * would take precedence when the directory is opened as a {@link Checkpoint}.
     *
     * @param dir the target directory (must exist)
     * @param metadata written as {@code __metadata__} in each shard
     * @param tensors the tensors, in order; names must be distinct
     * @param maxShardBytes the most tensor bytes per shard
     * @return the shard files written, in order
     * @throws IllegalArgumentException if names repeat, {@code maxShardBytes} is not positive, or a
     *     source supplies the wrong number of bytes
     * @throws IOException if writing fails; shards of this call already written are then deleted
     */
    public static List<Path> writeSharded(Path dir, Map<String, String> metadata, List<TensorSource> tensors,
            long maxShardBytes) throws IOException {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        checkDistinct(tensors);
        List<List<TensorSource>> groups = pack(tensors, maxShardBytes);
        List<Path> written = new ArrayList<>();
        try {
            Map<String, String> weightMap = new LinkedHashMap<>();
            long total = 0;
            for (int i = 0; i < groups.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, groups.size());
                Path shard = dir.resolve(name);
                write(shard, metadata, groups.get(i));
                written.add(shard);
                for (TensorSource t : groups.get(i)) {
                    weightMap.put(t.name(), name);
                    total += t.byteLength();
                }
            }
            writeIndex(dir.resolve(Checkpoint.INDEX_FILE), total, weightMap);
        } catch (IOException | RuntimeException | Error e) {
            for (Path p : written) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return List.copyOf(written);
    }

    private static List<List<TensorSource>> pack(List<TensorSource> tensors, long maxShardBytes) {
        List<List<TensorSource>> groups = new ArrayList<>();
        List<TensorSource> current = new ArrayList<>();
        long size = 0;
        for (TensorSource t : tensors) {
            if (!current.isEmpty() && size + t.byteLength() > maxShardBytes) {
                groups.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(t);
            size += t.byteLength();
        }
        if (!current.isEmpty() || groups.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    private static void writeIndex(Path file, long totalSize, Map<String, String> weightMap) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonWriter json = new JsonWriter(text)) {
            json.setIndent("  ");
            json.beginObject();
            json.name("metadata").beginObject().name("total_size").value(totalSize).endObject();
            json.name("weight_map").beginObject();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                json.name(e.getKey()).value(e.getValue());
            }
            json.endObject();
            json.endObject();
        }
        ByteBuffer bytes = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(file, out -> AtomicFiles.writeAll(out, bytes));
    }

    private static void checkDistinct(List<TensorSource> tensors) {
        Set<String> names = new HashSet<>();
        for (TensorSource t : tensors) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("tensor \"" + t.name() + "\" is given twice");
            }
        }
    }

    /** Builds the padded UTF-8 JSON header; offsets follow the list order with no gaps. */
    private static byte[] header(Map<String, String> metadata, List<TensorSource> tensors) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonWriter json = new JsonWriter(text)) {
            json.beginObject();
            if (!metadata.isEmpty()) {
                json.name(SafetensorsHeader.METADATA_KEY).beginObject();
                for (Map.Entry<String, String> e : metadata.entrySet()) {
                    json.name(e.getKey()).value(e.getValue());
                }
                json.endObject();
            }
            long offset = 0;
            for (TensorSource t : tensors) {
                json.name(t.name()).beginObject();
                json.name("dtype").value(t.dtype().safetensorsName());
                json.name("shape").beginArray();
                for (long d : t.shape()) {
                    json.value(d);
                }
                json.endArray();
                json.name("data_offsets").beginArray().value(offset).value(offset + t.byteLength()).endArray();
                json.endObject();
                offset += t.byteLength();
            }
            json.endObject();
        }
        byte[] raw = text.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        byte[] header = new byte[padded];
        System.arraycopy(raw, 0, header, 0, raw.length);
        for (int i = raw.length; i < padded; i++) {
            header[i] = ' ';
        }
        return header;
    }

    private static void writeTensor(FileChannel out, TensorSource t) throws IOException {
        ByteBuffer data = t.data().get();
        if (data == null || data.remaining() != t.byteLength()) {
            throw new IllegalArgumentException("tensor \"" + t.name() + "\": source supplied "
                    + (data == null ? "null" : data.remaining() + " bytes") + ", expected " + t.byteLength());
        }
        AtomicFiles.writeAll(out, data.duplicate());
    }

}
