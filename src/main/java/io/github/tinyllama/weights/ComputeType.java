package io.github.tinyllama.weights;

import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.checkpoint.TensorInfo;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.util.Locale;

/**
 * How a loaded model holds its weight matrices in memory, the <em>compute type</em> (the norms stay float32
 * whatever it is). A checkpoint's <em>storage type</em>, the element type in its files, is a
 * {@link io.github.tinyllama.checkpoint.DType}; the two are chosen separately.
 *
 * <p>{@link #AUTO} picks the fast type that loses nothing: float16 when every matrix is stored in 16 bits
 * and fits float16's range, float32 otherwise. DJL's PyTorch engine cannot hold bfloat16 at all, so a
 * bfloat16 checkpoint is held either as float16 or as float32.
 */
public enum ComputeType {
    /** float16 for a 16-bit checkpoint whose values fit float16, else float32 (with a one-line notice). */
    AUTO,
    /** float32 matrices: exact for every checkpoint, twice the memory traffic of float16. */
    FLOAT32,
    /** float16 matrices, whatever the checkpoint holds (bfloat16 values beyond ±65504 become infinite). */
    FLOAT16,
    /**
     * 8-bit weights for decoding: the matrices are loaded as {@link #AUTO} picks them, and the scripted decode
     * step ({@code generate.ScriptedStep}) quantizes its own copies to int8 with a scale per output row. Scoring
     * keeps the loaded matrices.
     */
    INT8;

    private static final Logger LOG = LoggerFactory.getLogger(ComputeType.class);

    /** Magnitude bits of the smallest bfloat16 above float16's largest finite value (65504); inf and NaN are above. */
    private static final int BF16_BEYOND_F16 = 0x4780;

    private static final int SCAN_BLOCK = 1 << 16;

    /**
     * The type named as on the command line.
     *
     * @param name {@code auto}, {@code float32}, {@code float16} or {@code int8}
     * @throws IllegalArgumentException for any other name
     */
    public static ComputeType of(String name) {
        for (ComputeType t : values()) {
            if (t.toString().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not a compute type: use auto, float32, float16 or int8");
    }

    /**
     * The type that holds matrices as {@code dataType}.
     *
     * @throws IllegalArgumentException unless it is {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     */
    public static ComputeType of(DataType dataType) {
        if (dataType == DataType.FLOAT32) {
            return FLOAT32;
        }
        if (dataType == DataType.FLOAT16) {
            return FLOAT16;
        }
        throw new IllegalArgumentException("weights can be held as float32 or float16, not " + dataType);
    }

    /** The name used on the command line and in JSON output: {@code auto}, {@code float32}, {@code float16}, {@code int8}. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The engine type for a checkpoint's matrices. {@link #AUTO} (and {@link #INT8}, whose int8 copies are made
     * from them) reads every bfloat16 matrix once to check that float16 can hold it.
     *
     * @param checkpoint the opened checkpoint
     * @return {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     * @throws IOException if a tensor cannot be read
     */
    public DataType resolve(Checkpoint checkpoint) throws IOException {
        switch (this) {
            case FLOAT32:
                return DataType.FLOAT32;
            case FLOAT16:
                return DataType.FLOAT16;
            default:
                return auto(checkpoint);
        }
    }

    private static DataType auto(Checkpoint checkpoint) throws IOException {
        boolean any = false;
        for (String name : checkpoint.names()) {
            TensorInfo info = checkpoint.info(name);
            if (info.shape().length < 2) {
                continue;
            }
            any = true;
            if (info.dtype() == DType.F32) {
                return DataType.FLOAT32;
            }
        }
        for (String name : checkpoint.names()) {
            TensorInfo info = checkpoint.info(name);
            if (info.shape().length >= 2 && info.dtype() == DType.BF16 && !fitsFloat16(checkpoint, name)) {
                LOG.warn("{}: tensor {} holds bfloat16 values beyond float16's range; holding the weights in float32",
                        info.file(), name);
                return DataType.FLOAT32;
            }
        }
        return any ? DataType.FLOAT16 : DataType.FLOAT32;
    }

    /**
     * Whether float16 holds every value of a bfloat16 tensor without overflow. Within range, float16 holds
     * every normal bfloat16 exactly (10 fraction bits against 7); values under 2^-14 keep an absolute error
     * below 2^-25, far under any weight's effect on the output.
     */
    private static boolean fitsFloat16(Checkpoint checkpoint, String name) throws IOException {
        ByteBuffer bits = checkpoint.read(name, DType.BF16);
        ShortBuffer values = bits.asShortBuffer();
        short[] block = new short[Math.min(values.remaining(), SCAN_BLOCK)];
        while (values.hasRemaining()) {
            int len = Math.min(block.length, values.remaining());
            values.get(block, 0, len);
            for (int i = 0; i < len; i++) {
                if ((block[i] & 0x7FFF) >= BF16_BEYOND_F16) {
                    return false;
                }
            }
        }
        return true;
    }
}
