package io.github.tinyllama.checkpoint;

import io.github.tinyllama.config.LlamaConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lit-gpt checkpoint layout TinyLlama was trained with ({@code lit_model.pth}), mapped to and
 * from Hugging Face names for one model shape.
 *
 * <p>Names: {@code transformer.wte.weight} is {@code model.embed_tokens.weight};
 * {@code transformer.h.N.norm_1}, {@code attn.proj}, {@code norm_2}, {@code mlp.swiglu.w1/w2/w3} are
 * {@code input_layernorm}, {@code self_attn.o_proj}, {@code post_attention_layernorm},
 * {@code mlp.gate_proj/up_proj/down_proj}; {@code transformer.ln_f} is {@code model.norm};
 * {@code lm_head} keeps its name. The fused {@code transformer.h.N.attn.attn.weight} holds, for
 * each of the key/value groups in turn, that group's query heads, then its key head, then its value
 * head, {@code headSize} rows each; HF's {@code q_proj}, {@code k_proj} and {@code v_proj} are the
 * concatenations of those blocks across groups. No RoPE permutation applies in either direction.
 */
public final class LitGptFormat {
    /** The file lit-gpt's conversion scripts and TinyLlama's training write. */
    public static final String FILE_NAME = "lit_model.pth";

    private static final Pattern LIT_LAYER = Pattern.compile(
            "transformer\\.h\\.(\\d+)\\.(norm_1|attn\\.attn|attn\\.proj|norm_2|mlp\\.swiglu\\.w1|mlp\\.swiglu\\.w2"
                    + "|mlp\\.swiglu\\.w3)\\.weight");
    private static final Pattern HF_LAYER = Pattern.compile(
            "model\\.layers\\.(\\d+)\\.(input_layernorm|self_attn\\.[qkvo]_proj|post_attention_layernorm"
                    + "|mlp\\.gate_proj|mlp\\.up_proj|mlp\\.down_proj)\\.weight");
    private static final String[][] LAYER_NAMES = {
        {"norm_1", "input_layernorm"},
        {"attn.proj", "self_attn.o_proj"},
        {"norm_2", "post_attention_layernorm"},
        {"mlp.swiglu.w1", "mlp.gate_proj"},
        {"mlp.swiglu.w2", "mlp.up_proj"},
        {"mlp.swiglu.w3", "mlp.down_proj"},
    };
    private static final Map<String, String> GLOBAL_NAMES = Map.of(
            "transformer.wte.weight", "model.embed_tokens.weight",
            "transformer.ln_f.weight", "model.norm.weight",
            "lm_head.weight", "lm_head.weight");

    private final int numHeads;
    private final int numKvHeads;
    private final int headSize;

    /**
     * @param numHeads query heads
     * @param numKvHeads key/value heads, dividing {@code numHeads}
     * @param headSize rows per head
     * @throws IllegalArgumentException if a value is not positive or the heads do not divide
     */
    public LitGptFormat(int numHeads, int numKvHeads, int headSize) {
        if (numHeads <= 0 || numKvHeads <= 0 || headSize <= 0 || numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("bad attention shape: " + numHeads + " heads, " + numKvHeads
                    + " key/value heads, head size " + headSize);
        }
        this.numHeads = numHeads;
        this.numKvHeads = numKvHeads;
        this.headSize = headSize;
    }

    /**
     * @param config the model's architecture
     * @return the mapping for its attention shape
     */
    public static LitGptFormat of(LlamaConfig config) {
        return new LitGptFormat(config.numHeads(), config.numKvHeads(), config.headSize());
    }

    private int queriesPerKv() {
        return numHeads / numKvHeads;
    }

    /** @return rows of the fused QKV matrix: {@code (numHeads + 2 * numKvHeads) * headSize} */
    public long fusedRows() {
        return (long) (numHeads + 2 * numKvHeads) * headSize;
    }

    /**
     * Maps a lit-gpt name to its Hugging Face name.
     *
     * @param litName e.g. {@code transformer.h.3.mlp.swiglu.w1.weight}
     * @return e.g. {@code model.layers.3.mlp.gate_proj.weight}; for the fused
     *     {@code attn.attn.weight}, the three names {@code q_proj}, {@code k_proj}, {@code v_proj}
     * @throws IllegalArgumentException for a name outside the Llama layout
     */
    public static List<String> hfNames(String litName) {
        String global = GLOBAL_NAMES.get(litName);
        if (global != null) {
            return List.of(global);
        }
        Matcher m = LIT_LAYER.matcher(litName);
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + litName + "\" is not a lit-gpt Llama tensor name");
        }
        String prefix = "model.layers." + m.group(1) + ".";
        if (m.group(2).equals("attn.attn")) {
            return List.of(prefix + "self_attn.q_proj.weight", prefix + "self_attn.k_proj.weight",
                    prefix + "self_attn.v_proj.weight");
        }
        for (String[] pair : LAYER_NAMES) {
            if (pair[0].equals(m.group(2))) {
                return List.of(prefix + pair[1] + ".weight");
            }
        }
        throw new AssertionError(litName);
    }

    /**
     * Maps a Hugging Face name to its lit-gpt name.
     *
     * @param hfName e.g. {@code model.layers.0.self_attn.k_proj.weight}
     * @return e.g. {@code transformer.h.0.attn.attn.weight} (q, k and v all map to the fused matrix)
     * @throws IllegalArgumentException for a name outside the Llama layout
     */
    public static String litName(String hfName) {
        for (Map.Entry<String, String> e : GLOBAL_NAMES.entrySet()) {
            if (e.getValue().equals(hfName)) {
                return e.getKey();
            }
        }
        Matcher m = HF_LAYER.matcher(hfName);
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + hfName + "\" is not a Hugging Face Llama tensor name");
        }
        String prefix = "transformer.h." + m.group(1) + ".";
        if (m.group(2).matches("self_attn\\.[qkv]_proj")) {
            return prefix + "attn.attn.weight";
        }
        for (String[] pair : LAYER_NAMES) {
            if (pair[1].equals(m.group(2))) {
                return prefix + pair[0] + ".weight";
            }
        }
        throw new AssertionError(hfName);
    }

    /**
     * Opens a lit-gpt checkpoint (a plain state dict, or a training checkpoint whose {@code "model"}
     * entry is one) as a {@link Checkpoint} under Hugging Face names. Reading {@code q_proj},
     * {@code k_proj} or {@code v_proj} gathers that part's row blocks from the fused matrix, straight
     * from the file.
     *
     * @param litFile the {@code .pth} file
     * @return the view, in the file's tensor order with each fused matrix replaced by q, k, v; close it
     *     to release the file
     * @throws CheckpointFormatException if the file is malformed, holds a name outside the lit-gpt
     *     Llama layout, or a fused matrix's shape does not fit this attention shape
     * @throws IOException if the file cannot be read
     */
    public Checkpoint open(Path litFile) throws IOException {
        TorchFile file = TorchFile.open(litFile);
        try {
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, Checkpoint.Reader> readers = new HashMap<>();
            for (TensorInfo info : file.tensors().values()) {
                List<String> names;
                try {
                    names = hfNames(info.name());
                } catch (IllegalArgumentException e) {
                    throw new CheckpointFormatException(litFile + ": " + e.getMessage(), e);
                }
                if (names.size() == 1) {
                    String hf = names.get(0);
                    TensorInfo renamed = new TensorInfo(hf, info.dtype(), info.shape(), info.file(), info.offset(),
                            info.byteLength());
                    put(litFile, tensors, renamed);
                    readers.put(hf, (t, d) -> file.readInto(info.name(), t, d));
                } else {
                    split(litFile, file, info, names, tensors, readers);
                }
            }
            return new Checkpoint(litFile.toAbsolutePath().getParent(), Checkpoint.Format.LIT_GPT, List.of(file),
                    tensors, readers, Map.of());
        } catch (IOException | RuntimeException | Error e) {
            Checkpoint.closeAll(List.of(file), e);
            throw e;
        }
    }

    private static void put(Path litFile, Map<String, TensorInfo> tensors, TensorInfo info)
            throws CheckpointFormatException {
        if (tensors.put(info.name(), info) != null) {
            throw new CheckpointFormatException(litFile + ": tensor \"" + info.name() + "\" appears twice");
        }
    }

    private void split(Path litFile, TorchFile file, TensorInfo fused, List<String> names,
            Map<String, TensorInfo> tensors, Map<String, Checkpoint.Reader> readers) throws CheckpointFormatException {
        long[] shape = fused.shape();
        if (shape.length != 2 || shape[0] != fusedRows()) {
            throw new CheckpointFormatException(litFile + ": tensor \"" + fused.name() + "\" has shape "
                    + Arrays.toString(shape) + " but " + numHeads + " heads, " + numKvHeads
                    + " key/value heads of size " + headSize + " need " + fusedRows() + " rows");
        }
        long rowBytes = shape[1] * fused.dtype().byteSize();
        long groupRows = (long) (queriesPerKv() + 2) * headSize;
        long[] firstRow = {0, (long) queriesPerKv() * headSize, (long) (queriesPerKv() + 1) * headSize};
        long[] rowsPerGroup = {(long) queriesPerKv() * headSize, headSize, headSize};
        for (int part = 0; part < 3; part++) {
            long[] offsets = new long[numKvHeads];
            long[] lengths = new long[numKvHeads];
            for (int g = 0; g < numKvHeads; g++) {
                offsets[g] = fused.offset() + (g * groupRows + firstRow[part]) * rowBytes;
                lengths[g] = rowsPerGroup[part] * rowBytes;
            }
            long rows = rowsPerGroup[part] * numKvHeads;
            TensorInfo info = new TensorInfo(names.get(part), fused.dtype(), new long[] {rows, shape[1]},
                    fused.file(), fused.offset(), rows * rowBytes);
            put(litFile, tensors, info);
            readers.put(info.name(), (t, d) -> file.readRanges(info, offsets, lengths, t, d));
        }
    }

    /**
     * The tensors of a Hugging Face checkpoint under lit-gpt names, ready for {@link TorchWriter}:
     * in the checkpoint's order, each layer's fused QKV matrix (assembled from q, k and v when it is
     * written) taking the place of its {@code q_proj}. {@code rotary_emb.inv_freq} buffers are dropped.
     *
     * @param hf the checkpoint
     * @param dtype the element type to write, or null to keep each tensor's stored type (the fused
     *     matrix takes {@code q_proj}'s)
     * @return the sources; if reading fails while writing, the writer sees an {@link UncheckedIOException}
     * @throws CheckpointFormatException if a name is outside the Llama layout, or q, k and v are
     *     missing or do not fit this attention shape
     */
    public List<TensorSource> litTensors(Checkpoint hf, DType dtype) throws CheckpointFormatException {
        List<TensorSource> out = new ArrayList<>();
        for (String name : hf.names()) {
            if (name.endsWith(".rotary_emb.inv_freq")) {
                continue;
            }
            String lit;
            try {
                lit = litName(name);
            } catch (IllegalArgumentException e) {
                throw new CheckpointFormatException(hf.info(name).file() + ": " + e.getMessage(), e);
            }
            if (name.endsWith(".k_proj.weight") || name.endsWith(".v_proj.weight")) {
                continue;
            }
            DType type = dtype != null ? dtype : hf.info(name).dtype();
            if (name.endsWith(".q_proj.weight")) {
                out.add(fused(hf, name, lit, type));
            } else {
                out.add(hf.source(name, lit, type));
            }
        }
        return out;
    }

    private TensorSource fused(Checkpoint hf, String qName, String litName, DType dtype)
            throws CheckpointFormatException {
        String prefix = qName.substring(0, qName.length() - "q_proj.weight".length());
        String[] parts = {qName, prefix + "k_proj.weight", prefix + "v_proj.weight"};
        long[] rows = {(long) numHeads * headSize, (long) numKvHeads * headSize, (long) numKvHeads * headSize};
        long columns = -1;
        for (int i = 0; i < 3; i++) {
            if (!hf.names().contains(parts[i])) {
                throw new CheckpointFormatException(hf.directory() + ": tensor \"" + parts[i] + "\" is missing");
            }
            long[] shape = hf.info(parts[i]).shape();
            if (shape.length != 2 || shape[0] != rows[i] || (columns >= 0 && shape[1] != columns)) {
                throw new CheckpointFormatException(hf.info(parts[i]).file() + ": tensor \"" + parts[i]
                        + "\" has shape " + Arrays.toString(shape) + " but " + numHeads + " heads, " + numKvHeads
                        + " key/value heads of size " + headSize + " need " + rows[i] + " rows"
                        + (columns >= 0 ? " of " + columns : ""));
            }
            columns = shape[1];
        }
        long cols = columns;
        return new TensorSource(litName, dtype, new long[] {fusedRows(), cols}, () -> {
            try {
                ByteBuffer[] in = new ByteBuffer[3];
                for (int i = 0; i < 3; i++) {
                    long bytes = hf.info(parts[i]).numel() * dtype.byteSize();
                    in[i] = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
                    hf.readInto(parts[i], dtype, in[i]);
                }
                return fuse(in[0], in[1], in[2], cols, dtype);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Interleaves per group: q rows of the group, its k rows, its v rows. Inputs and output share a byte order. */
    private ByteBuffer fuse(ByteBuffer q, ByteBuffer k, ByteBuffer v, long columns, DType dtype) {
        long rowBytes = columns * dtype.byteSize();
        int qBlock = Math.toIntExact(queriesPerKv() * headSize * rowBytes);
        int kvBlock = Math.toIntExact(headSize * rowBytes);
        ByteBuffer out = ByteBuffer.allocateDirect(Math.toIntExact(fusedRows() * rowBytes)).order(q.order());
        for (int g = 0; g < numKvHeads; g++) {
            out.put(q.duplicate().position(g * qBlock).limit((g + 1) * qBlock));
            out.put(k.duplicate().position(g * kvBlock).limit((g + 1) * kvBlock));
            out.put(v.duplicate().position(g * kvBlock).limit((g + 1) * kvBlock));
        }
        return out.flip();
    }
}
