package io.github.tinyllama.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face checkpoint directory: {@code model.safetensors}, or shards listed in
 * {@code model.safetensors.index.json}.
 *
 * <p>When both are present the single file wins, as in {@code transformers}. Tensors are read one
 * at a time into fresh buffers, so a checkpoint never has to fit in memory at once.
 */
public final class Checkpoint implements AutoCloseable {
    /** The single-file checkpoint name. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path dir;
    private final List<SafetensorsFile> files;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, SafetensorsFile> owners;
    private final Map<String, String> metadata;

    private Checkpoint(Path dir, List<SafetensorsFile> files, Map<String, TensorInfo> tensors,
            Map<String, SafetensorsFile> owners, Map<String, String> metadata) {
        this.dir = dir;
        this.files = files;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.owners = owners;
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * Opens a checkpoint directory, validating every file it uses.
     *
     * @param dir the directory
     * @return the open checkpoint; close it to release the files
     * @throws CheckpointFormatException if neither layout is present, a file is malformed, or the
     *     index disagrees with its shards (missing shard or tensor, tensor in two shards)
     * @throws IOException if a file cannot be read
     */
    public static Checkpoint open(Path dir) throws IOException {
        Path single = dir.resolve(SINGLE_FILE);
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(single)) {
            return openSingle(dir, single);
        }
        if (Files.isRegularFile(index)) {
            return openSharded(dir, ShardIndex.read(index));
        }
        throw new CheckpointFormatException(dir + ": no checkpoint found (looked for " + SINGLE_FILE
                + " and " + INDEX_FILE + ")");
    }

    private static Checkpoint openSingle(Path dir, Path file) throws IOException {
        SafetensorsFile st = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> owners = new HashMap<>();
        st.tensors().keySet().forEach(name -> owners.put(name, st));
        return new Checkpoint(dir, List.of(st), new LinkedHashMap<>(st.tensors()), owners, st.metadata());
    }

    private static Checkpoint openSharded(Path dir, ShardIndex index) throws IOException {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<Path, SafetensorsFile> shards = new LinkedHashMap<>();
            for (Path shard : index.weightMap().values()) {
                if (!shards.containsKey(shard)) {
                    if (!Files.isRegularFile(shard)) {
                        throw new CheckpointFormatException(index.file() + ": shard file " + shard
                                + " is missing");
                    }
                    SafetensorsFile st = SafetensorsFile.open(shard);
                    opened.add(st);
                    shards.put(shard, st);
                }
            }
            checkNoTensorInTwoShards(index, shards.values());
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, SafetensorsFile> owners = new HashMap<>();
            for (Map.Entry<String, Path> e : index.weightMap().entrySet()) {
                SafetensorsFile st = shards.get(e.getValue());
                TensorInfo info = st.tensors().get(e.getKey());
                if (info == null) {
                    throw new CheckpointFormatException(index.file() + ": tensor \"" + e.getKey()
                            + "\" is listed in shard " + e.getValue() + ", which does not contain it");
                }
                tensors.put(e.getKey(), info);
                owners.put(e.getKey(), st);
            }
            return new Checkpoint(dir, List.copyOf(opened), tensors, owners, index.metadata());
        } catch (IOException | RuntimeException | Error e) {
            closeAll(opened, e);
            throw e;
        }
    }

    private static void checkNoTensorInTwoShards(ShardIndex index, Iterable<SafetensorsFile> shards)
            throws CheckpointFormatException {
        Map<String, Path> firstSeen = new HashMap<>();
        for (SafetensorsFile st : shards) {
            for (String name : st.tensors().keySet()) {
                Path earlier = firstSeen.putIfAbsent(name, st.path());
                if (earlier != null) {
                    throw new CheckpointFormatException(index.file() + ": tensor \"" + name
                            + "\" appears in both " + earlier + " and " + st.path());
                }
            }
        }
    }

    private static void closeAll(List<SafetensorsFile> files, Throwable primary) {
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException suppressed) {
                primary.addSuppressed(suppressed);
            }
        }
    }

    /** @return the directory this checkpoint was opened from */
    public Path directory() {
        return dir;
    }

    /** @return the tensor names: header order for one file, index order for shards */
    public Set<String> names() {
        return tensors.keySet();
    }

    /**
     * @return the single file's {@code __metadata__}, or the index's {@code metadata} for shards
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * @param name a tensor name
     * @return where and how the tensor is stored
     * @throws IllegalArgumentException if there is no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException(dir + ": checkpoint has no tensor named \"" + name + "\"");
        }
        return info;
    }

    /**
     * Reads one tensor, converted.
     *
     * @param name a tensor name
     * @param target the element type wanted
     * @return a new direct buffer in native byte order, position 0, holding {@code numel} elements of {@code target}
     * @throws IllegalArgumentException if there is no such tensor
     * @throws CheckpointFormatException if the tensor, before or after conversion, exceeds 2 GiB
     * @throws IOException if the file cannot be mapped
     */
    public ByteBuffer read(String name, DType target) throws IOException {
        TensorInfo info = info(name);
        long outBytes = info.numel() * target.byteSize();
        if (outBytes > Integer.MAX_VALUE) {
            throw new CheckpointFormatException(info.file() + ": tensor \"" + name + "\" as " + target + " is "
                    + outBytes + " bytes, more than the 2 GiB one buffer can hold");
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) outBytes).order(ByteOrder.nativeOrder());
        readInto(name, target, out);
        return out;
    }

    /**
     * Reads one tensor, converted, into a buffer the caller provides (for example memory that an
     * engine already allocated for the tensor), without mapping the file.
     *
     * @param name a tensor name
     * @param target the element type wanted
     * @param dst receives the elements from its position, in its byte order; position unchanged
     * @throws IllegalArgumentException if there is no such tensor or {@code dst} is too small
     * @throws IOException if reading fails
     */
    public void readInto(String name, DType target, ByteBuffer dst) throws IOException {
        info(name);
        owners.get(name).readInto(name, target, dst);
    }

    /**
     * Reads one tensor as floats; meant for small tensors and tests.
     *
     * @param name a tensor name
     * @return its values, widened or copied to binary32
     * @throws IllegalArgumentException if there is no such tensor
     * @throws IOException if the tensor cannot be read
     */
    public float[] readFloats(String name) throws IOException {
        ByteBuffer f32 = read(name, DType.F32);
        float[] out = new float[f32.remaining() / Float.BYTES];
        f32.order(ByteOrder.nativeOrder()).asFloatBuffer().get(out);
        return out;
    }

    /** @return the total size of all tensors' stored bytes */
    public long totalBytes() {
        return tensors.values().stream().mapToLong(TensorInfo::byteLength).sum();
    }

    /** Closes every file. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
