package io.github.tinyllama.checkpoint;

import io.github.tinyllama.util.AtomicFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Writes a state dict of tensors as {@code torch.save} does (PyTorch 1.6+ zip layout), loadable by
 * {@code torch.load} in PyTorch 1.13 and 2.x: {@code <archive>/data.pkl} (a protocol-2 pickle of an
 * {@code OrderedDict} of {@code _rebuild_tensor_v2} calls on {@code torch.*Storage} persistent ids),
 * {@code <archive>/byteorder}, one stored entry {@code <archive>/data/<i>} per tensor aligned to 64
 * bytes like PyTorch's writer, and {@code <archive>/version}. ZIP64 records are written when offsets
 * pass 4 GiB. The file is written atomically, one tensor in memory at a time.
 */
public final class TorchWriter {
    private static final int ALIGNMENT = 64;
    private static final long U32_MAX = 0xFFFFFFFFL;

    private TorchWriter() {
    }

    /**
     * Writes a state dict.
     *
     * @param file the target; replaced if it exists; its name without extension names the archive folder
     * @param tensors the tensors, in order; names must be distinct
     * @throws IllegalArgumentException if names repeat, a tensor is 4 GiB or more, or a source supplies
     *     the wrong number of bytes
     * @throws IOException if writing fails; the target is then left as it was
     */
    public static void write(Path file, List<TensorSource> tensors) throws IOException {
        write(file, tensors, false, false);
    }

    /**
     * As {@link #write(Path, List)}, for tests: {@code zip64End} writes the ZIP64 end records even for a
     * small file (as torch's reader accepts); {@code zip64Entries} also gives every central-directory
     * entry a ZIP64 offset (which torch's reader accepts only where the offset really is past 4 GiB).
     */
    static void write(Path file, List<TensorSource> tensors, boolean zip64End, boolean zip64Entries)
            throws IOException {
        Set<String> names = new HashSet<>();
        for (TensorSource t : tensors) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("tensor \"" + t.name() + "\" is given twice");
            }
            if (t.byteLength() >= U32_MAX) {
                throw new IllegalArgumentException("tensor \"" + t.name() + "\" is " + t.byteLength()
                        + " bytes; entries of 4 GiB or more are not supported");
            }
        }
        String archive = archiveName(file);
        byte[] pickle = pickle(tensors);
        AtomicFiles.write(file, out -> {
            List<Written> written = new ArrayList<>();
            written.add(entry(out, archive + "/data.pkl", ByteBuffer.wrap(pickle)));
            written.add(entry(out, archive + "/byteorder", ascii("little")));
            for (int i = 0; i < tensors.size(); i++) {
                TensorSource t = tensors.get(i);
                ByteBuffer data = t.data().get();
                if (data == null || data.remaining() != t.byteLength()) {
                    throw new IllegalArgumentException("tensor \"" + t.name() + "\": source supplied "
                            + (data == null ? "null" : data.remaining() + " bytes") + ", expected " + t.byteLength());
                }
                written.add(entry(out, archive + "/data/" + i, data.duplicate()));
            }
            written.add(entry(out, archive + "/version", ascii("3\n")));
            centralDirectory(out, written, zip64End, zip64Entries);
        });
    }

    private static String archiveName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.indexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return stem.matches("[A-Za-z0-9_-]+") ? stem : "archive";
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private record Written(byte[] name, long crc, long size, long localOffset) {
    }

    /** Writes one stored entry: local header padded by an extra field so its data is 64-byte aligned. */
    private static Written entry(FileChannel out, String name, ByteBuffer data) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        CRC32 crc = new CRC32();
        crc.update(data.duplicate());
        long size = data.remaining();
        long offset = out.position();
        long headerEnd = offset + 30 + nameBytes.length + 4;
        int pad = (int) ((ALIGNMENT - headerEnd % ALIGNMENT) % ALIGNMENT);
        ByteBuffer h = ByteBuffer.allocate(30 + nameBytes.length + 4 + pad).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0x21)
                .putInt((int) crc.getValue()).putInt((int) size).putInt((int) size)
                .putShort((short) nameBytes.length).putShort((short) (4 + pad))
                .put(nameBytes)
                .putShort((short) 0x4246).putShort((short) pad);
        AtomicFiles.writeAll(out, h.position(h.capacity()).flip());
        AtomicFiles.writeAll(out, data);
        return new Written(nameBytes, crc.getValue(), size, offset);
    }

    private static void centralDirectory(FileChannel out, List<Written> entries, boolean zip64End,
            boolean zip64Entries) throws IOException {
        long start = out.position();
        for (Written e : entries) {
            boolean z64 = zip64Entries || e.localOffset() >= U32_MAX;
            ByteBuffer c = ByteBuffer.allocate(46 + e.name().length + (z64 ? 12 : 0)).order(ByteOrder.LITTLE_ENDIAN);
            c.putInt(0x02014b50).putShort((short) (z64 ? 45 : 20)).putShort((short) (z64 ? 45 : 20))
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0x21)
                    .putInt((int) e.crc()).putInt((int) e.size()).putInt((int) e.size())
                    .putShort((short) e.name().length).putShort((short) (z64 ? 12 : 0)).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt(z64 ? (int) U32_MAX : (int) e.localOffset())
                    .put(e.name());
            if (z64) {
                c.putShort((short) 1).putShort((short) 8).putLong(e.localOffset());
            }
            AtomicFiles.writeAll(out, c.flip());
        }
        long end = out.position();
        long size = end - start;
        boolean z64 = zip64End || zip64Entries || start >= U32_MAX || size >= U32_MAX || entries.size() >= 0xFFFF;
        ByteBuffer tail = ByteBuffer.allocate(56 + 20 + 22).order(ByteOrder.LITTLE_ENDIAN);
        if (z64) {
            tail.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                    .putLong(entries.size()).putLong(entries.size()).putLong(size).putLong(start);
            tail.putInt(0x07064b50).putInt(0).putLong(end).putInt(1);
        }
        tail.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) (z64 ? 0xFFFF : entries.size())).putShort((short) (z64 ? 0xFFFF : entries.size()))
                .putInt(z64 ? (int) U32_MAX : (int) size).putInt(z64 ? (int) U32_MAX : (int) start)
                .putShort((short) 0);
        AtomicFiles.writeAll(out, tail.flip());
    }

    /** The pickle of {@code OrderedDict([(name, _rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())), ...])}. */
    static byte[] pickle(List<TensorSource> tensors) {
        Pickle p = new Pickle();
        p.op(0x80).op(2);
        p.global("collections", "OrderedDict").op(')').op('R');
        p.op('(');
        for (int i = 0; i < tensors.size(); i++) {
            TensorSource t = tensors.get(i);
            long[] shape = t.shape();
            long[] stride = new long[shape.length];
            long s = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                stride[d] = s;
                s *= shape[d];
            }
            p.string(t.name());
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.op('(');
            p.op('(').string("storage").global("torch", TorchType.of(t.dtype()).storageClass)
                    .string(Integer.toString(i)).string("cpu").integer(s).op('t');
            p.op('Q');
            p.integer(0);
            p.tuple(shape);
            p.tuple(stride);
            p.op(0x89);
            p.global("collections", "OrderedDict").op(')').op('R');
            p.op('t');
            p.op('R');
        }
        p.op('u');
        p.op('.');
        return p.bytes.toByteArray();
    }

    /** Emits protocol-2 opcodes. */
    private static final class Pickle {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Pickle op(int b) {
            bytes.write(b);
            return this;
        }

        Pickle global(String module, String name) {
            op('c');
            bytes.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X').int32(b.length);
            bytes.writeBytes(b);
            return this;
        }

        Pickle int32(int v) {
            return op(v & 0xFF).op((v >>> 8) & 0xFF).op((v >>> 16) & 0xFF).op((v >>> 24) & 0xFF);
        }

        Pickle integer(long v) {
            if (v >= 0 && v < 0x100) {
                return op('K').op((int) v);
            }
            if (v >= 0 && v < 0x10000) {
                return op('M').op((int) v & 0xFF).op((int) (v >>> 8) & 0xFF);
            }
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                return op('J').int32((int) v);
            }
            // LONG1: minimal little-endian two's complement.
            byte[] le = new byte[8];
            for (int i = 0; i < 8; i++) {
                le[i] = (byte) (v >>> (8 * i));
            }
            int n = 8;
            while (n > 1 && ((le[n - 1] == 0 && le[n - 2] >= 0) || (le[n - 1] == -1 && le[n - 2] < 0))) {
                n--;
            }
            op(0x8a).op(n);
            bytes.write(le, 0, n);
            return this;
        }

        Pickle tuple(long[] values) {
            if (values.length == 0) {
                return op(')');
            }
            op('(');
            for (long v : values) {
                integer(v);
            }
            return op('t');
        }
    }
}
