package io.github.tinyllama.checkpoint;

import io.github.tinyllama.checkpoint.Unpickler.StorageRef;
import io.github.tinyllama.checkpoint.Unpickler.TensorRef;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One file written by {@code torch.save} (PyTorch 1.6 and later: a zip archive holding
 * {@code <archive>/data.pkl} and one uncompressed entry {@code <archive>/data/<key>} per storage),
 * such as {@code pytorch_model.bin} or lit-gpt's {@code lit_model.pth}.
 *
 * <p>The pickle is read by a restricted unpickler that accepts only what state dicts need and
 * refuses any other global by name, so opening a file never runs code from it. The state dict is
 * the top-level dict, or, for training checkpoints, its {@code "model"} (or {@code "state_dict"})
 * entry; other entries (optimizer state, counters) are parsed but ignored. Each tensor becomes a
 * {@link TensorInfo} whose range lies inside its storage's zip entry, so tensors are streamed from
 * the file like safetensors ones; tensors sharing a storage (tied weights, views) share bytes.
 */
public final class TorchFile implements TensorFile {
    /** Far above the few hundred KB of a large training checkpoint's pickle. */
    private static final long MAX_PICKLE_BYTES = 256L << 20;

    private final Path file;
    private final FileChannel channel;
    private final Map<String, TensorInfo> tensors;

    private TorchFile(Path file, FileChannel channel, Map<String, TensorInfo> tensors) {
        this.file = file;
        this.channel = channel;
        this.tensors = tensors;
    }

    /**
     * Opens a {@code torch.save} file and lays out its state dict.
     *
     * @param file the file
     * @return the open file; close it to release the file handle
     * @throws CheckpointFormatException if the archive or pickle is malformed, the pickle references a
     *     global a state dict does not need (named in the message), a tensor is not float32, float16 or
     *     bfloat16, is not contiguous, or lies outside its storage
     * @throws IOException if the file cannot be read
     */
    public static TorchFile open(Path file) throws IOException {
        return TensorFile.open(file, TorchFile::read);
    }

    private static TorchFile read(Path file, FileChannel channel) throws IOException {
        ZipIndex zip = ZipIndex.read(file, channel);
        String prefix = null;
        for (String name : zip.entries().keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                prefix = name.substring(0, slash + 1);
                break;
            }
        }
        if (prefix == null) {
            throw new CheckpointFormatException(file + ": zip archive has no <archive>/data.pkl entry; "
                    + "not a torch.save file");
        }
        ZipIndex.Entry byteorder = zip.entries().get(prefix + "byteorder");
        if (byteorder != null) {
            String order = StandardCharsets.US_ASCII.decode(zip.readEntry(byteorder, 16)).toString().trim();
            if (!order.equals("little")) {
                throw new CheckpointFormatException(file + ": byteorder is \"" + order
                        + "\"; only little-endian checkpoints can be read");
            }
        }
        Object root;
        try {
            root = Unpickler.load(file, zip.readEntry(zip.entries().get(prefix + "data.pkl"), MAX_PICKLE_BYTES));
        } catch (StackOverflowError | OutOfMemoryError e) {
            throw new CheckpointFormatException(file + ": data.pkl is too large or too deeply nested", e);
        }
        Map<?, ?> stateDict = stateDict(file, root);
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : stateDict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new CheckpointFormatException(file + ": state dict key " + e.getKey() + " is not a string");
            }
            if (!(e.getValue() instanceof TensorRef t)) {
                throw new CheckpointFormatException(file + ": state dict entry \"" + name + "\" is not a tensor");
            }
            tensors.put(name, layOut(file, zip, prefix, name, t));
        }
        return new TorchFile(file, channel, Collections.unmodifiableMap(tensors));
    }

    private static Map<?, ?> stateDict(Path file, Object root) throws CheckpointFormatException {
        if (!(root instanceof Map<?, ?> dict)) {
            throw new CheckpointFormatException(file + ": top-level object is not a dict");
        }
        if (dict.values().stream().allMatch(v -> v instanceof TensorRef)) {
            return dict;
        }
        for (String key : List.of("model", "state_dict")) {
            if (dict.get(key) instanceof Map<?, ?> inner) {
                return inner;
            }
        }
        List<String> keys = new ArrayList<>();
        dict.keySet().forEach(k -> keys.add(String.valueOf(k)));
        throw new CheckpointFormatException(file + ": no state dict: the top-level dict " + keys
                + " holds values other than tensors and has no \"model\" dict");
    }

    private static TensorInfo layOut(Path file, ZipIndex zip, String prefix, String name, TensorRef t)
            throws IOException {
        String where = file + ": tensor \"" + name + "\"";
        StorageRef s = t.storage();
        if (s.type().dtype == null) {
            throw new CheckpointFormatException(where + " has dtype " + s.type().dtypeName
                    + "; only float32, float16 and bfloat16 tensors can be read");
        }
        long[] shape = t.shape();
        long numel = 1;
        long expectedStride = 1;
        try {
            for (int i = shape.length - 1; i >= 0; i--) {
                if (shape[i] < 0) {
                    throw new CheckpointFormatException(where + " has a negative dimension in " + Arrays.toString(shape));
                }
                if (shape[i] != 1 && t.stride()[i] != expectedStride) {
                    throw new CheckpointFormatException(where + " is not contiguous (size " + Arrays.toString(shape)
                            + ", stride " + Arrays.toString(t.stride()) + "); save it with .contiguous()");
                }
                expectedStride = Math.multiplyExact(expectedStride, shape[i]);
                numel = Math.multiplyExact(numel, shape[i]);
            }
            int size = s.type().byteSize;
            if (t.storageOffset() < 0 || Math.addExact(t.storageOffset(), numel) > s.numel()) {
                throw new CheckpointFormatException(where + ": elements [" + t.storageOffset() + ", "
                        + (t.storageOffset() + numel) + ") lie outside its storage " + s.key() + " of "
                        + s.numel() + " elements");
            }
            ZipIndex.Entry entry = zip.entries().get(prefix + "data/" + s.key());
            if (entry == null) {
                throw new CheckpointFormatException(where + ": storage entry " + prefix + "data/" + s.key()
                        + " is missing from the archive");
            }
            long needed = Math.multiplyExact(s.numel(), size);
            if (entry.size() < needed) {
                throw new CheckpointFormatException(where + ": storage entry " + entry.name() + " has "
                        + entry.size() + " bytes but its storage needs " + needed);
            }
            long start = zip.dataOffset(entry);
            return new TensorInfo(name, s.type().dtype, shape, file, start + t.storageOffset() * size, numel * size);
        } catch (ArithmeticException overflow) {
            throw new CheckpointFormatException(where + ": size " + Arrays.toString(shape) + " overflows");
        }
    }

    /** @return the path this file was opened from */
    public Path path() {
        return file;
    }

    /** @return the state dict's tensors, in pickle order */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /**
     * Reads one tensor and converts it into {@code dst}, streaming as {@link SafetensorsFile#readInto} does.
     *
     * @param name a tensor name from {@link #tensors()}
     * @param target the element type to write
     * @param dst receives {@code numel} elements from its position, in its byte order; position unchanged
     * @throws IllegalArgumentException if there is no such tensor or {@code dst} has too little room
     * @throws IOException if reading fails
     */
    public void readInto(String name, DType target, ByteBuffer dst) throws IOException {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException(file + ": no tensor named \"" + name + "\"");
        }
        RangeReader.read(channel, info, target, dst);
    }

    /** Reads arbitrary ranges of a tensor's file; see {@link RangeReader#read}. */
    void readRanges(TensorInfo info, long[] offsets, long[] lengths, DType target, ByteBuffer dst) throws IOException {
        RangeReader.read(channel, info, offsets, lengths, target, dst);
    }

    /** Closes the file handle. */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
