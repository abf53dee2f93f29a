package io.github.tinyllama.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * A checkpoint: named tensors that can be streamed one at a time into buffers, so a checkpoint never
 * has to fit in memory at once.
 *
 * <p>{@link #open} reads a Hugging Face directory: {@code model.safetensors}, shards listed in
 * {@code model.safetensors.index.json}, {@code pytorch_model.bin}, or shards listed in
 * {@code pytorch_model.bin.index.json}, preferred in that order as in {@code transformers}.
 * {@link LitGptFormat#open} presents a lit-gpt {@code lit_model.pth} under Hugging Face names.
 */
public final class Checkpoint implements AutoCloseable {
    /** The single-file checkpoint name. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** The single-file PyTorch checkpoint name. */
    public static final String TORCH_FILE = "pytorch_model.bin";
    /** The index of a sharded PyTorch checkpoint. */
    public static final String TORCH_INDEX_FILE = "pytorch_model.bin.index.json";

    /** Where a checkpoint's tensors come from. */
    public enum Format {
        /** {@code .safetensors} file(s). */
        SAFETENSORS,
        /** {@code torch.save} file(s) such as {@code pytorch_model.bin}. */
        PYTORCH,
        /** A lit-gpt {@code lit_model.pth}, seen under Hugging Face names. */
        LIT_GPT
    }

    /** Streams one tensor, converted, into a buffer from its position (unchanged). */
    @FunctionalInterface
    interface Reader {
        void readInto(DType target, ByteBuffer dst) throws IOException;
    }

    private final Path dir;
    private final Format format;
    private final List<? extends Closeable> files;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, Reader> readers;
    private final Map<String, String> metadata;

    Checkpoint(Path dir, Format format, List<? extends Closeable> files, Map<String, TensorInfo> tensors,
            Map<String, Reader> readers, Map<String, String> metadata) {
        this.dir = dir;
        this.format = format;
        this.files = files;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.readers = readers;
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * Opens a checkpoint directory, validating every file it uses.
     *
     * @param dir the directory
     * @return the open checkpoint; close it to release the files
     * @throws CheckpointFormatException if no layout is present (the message names every file looked
     *     for), a file is malformed, or the index disagrees with its shards (missing shard or tensor,
     *     tensor in two shards)
     * @throws IOException if a file cannot be read
     */
    public static Checkpoint open(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve(SINGLE_FILE))) {
            return openSingle(dir, Format.SAFETENSORS, SafetensorsFile.open(dir.resolve(SINGLE_FILE)));
        }
        if (Files.isRegularFile(dir.resolve(INDEX_FILE))) {
            return openSharded(dir, Format.SAFETENSORS, ShardIndex.read(dir.resolve(INDEX_FILE)));
        }
        if (Files.isRegularFile(dir.resolve(TORCH_FILE))) {
            return openSingle(dir, Format.PYTORCH, TorchFile.open(dir.resolve(TORCH_FILE)));
        }
        if (Files.isRegularFile(dir.resolve(TORCH_INDEX_FILE))) {
            return openSharded(dir, Format.PYTORCH, ShardIndex.read(dir.resolve(TORCH_INDEX_FILE)));
        }
        String hint = Files.isRegularFile(dir.resolve(LitGptFormat.FILE_NAME))
                ? "; " + LitGptFormat.FILE_NAME + " is a lit-gpt checkpoint: convert it with 'tinyllama convert'"
                + " or open it with LitGptFormat"
                : "";
        throw new CheckpointFormatException(dir + ": no checkpoint found (looked for " + SINGLE_FILE + ", "
                + INDEX_FILE + ", " + TORCH_FILE + " and " + TORCH_INDEX_FILE + ")" + hint);
    }

    private static Checkpoint openSingle(Path dir, Format format, TensorFile file) {
        Map<String, Reader> readers = new HashMap<>();
        file.tensors().keySet().forEach(name -> readers.put(name, (t, d) -> file.readInto(name, t, d)));
        Map<String, String> metadata = file instanceof SafetensorsFile st ? st.metadata() : Map.of();
        return new Checkpoint(dir, format, List.of(file), new LinkedHashMap<>(file.tensors()), readers, metadata);
    }

    private static TensorFile openFile(Format format, Path file) throws IOException {
        return format == Format.SAFETENSORS ? SafetensorsFile.open(file) : TorchFile.open(file);
    }

    private static Checkpoint openSharded(Path dir, Format format, ShardIndex index) throws IOException {
        List<TensorFile> opened = new ArrayList<>();
        try {
            Map<Path, TensorFile> shards = new LinkedHashMap<>();
            for (Path shard : index.weightMap().values()) {
                if (!shards.containsKey(shard)) {
                    if (!Files.isRegularFile(shard)) {
                        throw new CheckpointFormatException(index.file() + ": shard file " + shard
                                + " is missing");
                    }
                    TensorFile f = openFile(format, shard);
                    opened.add(f);
                    shards.put(shard, f);
                }
            }
            checkNoTensorInTwoShards(index, shards.values());
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, Reader> readers = new HashMap<>();
            for (Map.Entry<String, Path> e : index.weightMap().entrySet()) {
                TensorFile f = shards.get(e.getValue());
                String name = e.getKey();
                TensorInfo info = f.tensors().get(name);
                if (info == null) {
                    throw new CheckpointFormatException(index.file() + ": tensor \"" + name
                            + "\" is listed in shard " + e.getValue() + ", which does not contain it");
                }
                tensors.put(name, info);
                readers.put(name, (t, d) -> f.readInto(name, t, d));
            }
            return new Checkpoint(dir, format, List.copyOf(opened), tensors, readers, index.metadata());
        } catch (IOException | RuntimeException | Error e) {
            closeAll(opened, e);
            throw e;
        }
    }

    private static void checkNoTensorInTwoShards(ShardIndex index, Iterable<TensorFile> shards)
            throws CheckpointFormatException {
        Map<String, Path> firstSeen = new HashMap<>();
        for (TensorFile st : shards) {
            for (String name : st.tensors().keySet()) {
                Path earlier = firstSeen.putIfAbsent(name, st.path());
                if (earlier != null) {
                    throw new CheckpointFormatException(index.file() + ": tensor \"" + name
                            + "\" appears in both " + earlier + " and " + st.path());
                }
            }
        }
    }

    static void closeAll(List<? extends Closeable> files, Throwable primary) {
        for (Closeable f : files) {
            try {
                f.close();
            } catch (IOException suppressed) {
                primary.addSuppressed(suppressed);
            }
        }
    }

    /** @return where the tensors come from */
    public Format format() {
        return format;
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
     * @return where and how the tensor is stored; for a tensor that a {@link LitGptFormat} view
     *     gathers from row blocks of a fused matrix, {@code offset} is where that matrix starts and the
     *     {@code byteLength} bytes are not one range, so read it through {@link #readInto}
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
        readers.get(name).readInto(target, dst);
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

    /**
     * A source for writing one tensor of this checkpoint in another type or file; its bytes are read
     * when the writer asks for them.
     *
     * @param name a tensor name
     * @param writtenName the name to give it
     * @param target the element type to write
     * @return the source; if reading fails while writing, the writer sees an {@link UncheckedIOException}
     * @throws IllegalArgumentException if there is no such tensor
     */
    public TensorSource source(String name, String writtenName, DType target) {
        TensorInfo info = info(name);
        return new TensorSource(writtenName, target, info.shape(), () -> {
            long bytes = info.numel() * target.byteSize();
            if (bytes > Integer.MAX_VALUE) {
                throw new UncheckedIOException(new CheckpointFormatException(info.file() + ": tensor \"" + name
                        + "\" as " + target + " is " + bytes + " bytes, more than the 2 GiB one buffer can hold"));
            }
            ByteBuffer out = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
            try {
                readInto(name, target, out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        });
    }

    /** @return the total size of all tensors' stored bytes */
    public long totalBytes() {
        return tensors.values().stream().mapToLong(TensorInfo::byteLength).sum();
    }

    /** Closes every file. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Closeable f : files) {
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
