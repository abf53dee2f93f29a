package io.github.tinyllama.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The central directory of a zip archive, as {@code torch.save} writes it: every entry stored
 * uncompressed, so that each one's data is a plain byte range of the file. ZIP64 records (archives
 * over 4 GiB) are understood. Nothing is decompressed and nothing is read but the directory and the
 * local headers asked for.
 */
final class ZipIndex {
    private static final int EOCD_SIG = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    private static final int ZIP64_EOCD_SIG = 0x06064b50;
    private static final int CENTRAL_SIG = 0x02014b50;
    private static final int LOCAL_SIG = 0x04034b50;
    private static final int EOCD_SIZE = 22;
    private static final int MAX_COMMENT = 0xFFFF;
    /** A state dict has one entry per storage; this bounds the directory read into memory. */
    private static final long MAX_DIRECTORY_BYTES = 256L << 20;

    /**
     * One entry.
     *
     * @param name its path inside the archive
     * @param method 0 for stored
     * @param compressedSize bytes on disk
     * @param size bytes uncompressed
     * @param localHeaderOffset where its local header starts
     */
    record Entry(String name, int method, long compressedSize, long size, long localHeaderOffset) {
    }

    private final Path file;
    private final FileChannel channel;
    private final long fileSize;
    private final Map<String, Entry> entries;

    private ZipIndex(Path file, FileChannel channel, long fileSize, Map<String, Entry> entries) {
        this.file = file;
        this.channel = channel;
        this.fileSize = fileSize;
        this.entries = entries;
    }

    static ZipIndex read(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < EOCD_SIZE) {
            throw new CheckpointFormatException(file + ": file is " + size + " bytes, too short to be a zip archive");
        }
        int tailLength = (int) Math.min(size, EOCD_SIZE + MAX_COMMENT);
        ByteBuffer tail = readFully(file, channel, size - tailLength, tailLength);
        int eocd = -1;
        for (int i = tailLength - EOCD_SIZE; i >= 0; i--) {
            if (tail.getInt(i) == EOCD_SIG) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new CheckpointFormatException(file + ": no zip end-of-central-directory record (not a zip "
                    + "archive, or truncated; torch.save files from before PyTorch 1.6 are not supported)");
        }
        long count = tail.getShort(eocd + 10) & 0xFFFF;
        long dirSize = tail.getInt(eocd + 12) & 0xFFFFFFFFL;
        long dirOffset = tail.getInt(eocd + 16) & 0xFFFFFFFFL;
        long eocdAt = size - tailLength + eocd;
        if (count == 0xFFFF || dirSize == 0xFFFFFFFFL || dirOffset == 0xFFFFFFFFL) {
            if (eocdAt < 20) {
                throw new CheckpointFormatException(file + ": ZIP64 locator missing");
            }
            ByteBuffer locator = readFully(file, channel, eocdAt - 20, 20);
            if (locator.getInt(0) != ZIP64_LOCATOR_SIG) {
                throw new CheckpointFormatException(file + ": ZIP64 locator missing");
            }
            long z64At = locator.getLong(8);
            if (z64At < 0 || z64At > size - 56) {
                throw new CheckpointFormatException(file + ": ZIP64 end record offset " + z64At + " is outside the file");
            }
            ByteBuffer z64 = readFully(file, channel, z64At, 56);
            if (z64.getInt(0) != ZIP64_EOCD_SIG) {
                throw new CheckpointFormatException(file + ": bad ZIP64 end-of-central-directory record");
            }
            count = z64.getLong(32);
            dirSize = z64.getLong(40);
            dirOffset = z64.getLong(48);
        }
        if (dirOffset < 0 || dirSize < 0 || dirSize > MAX_DIRECTORY_BYTES || dirOffset > size - dirSize
                || count < 0 || count > dirSize / 46) {
            throw new CheckpointFormatException(file + ": zip central directory (" + count + " entries, " + dirSize
                    + " bytes at " + dirOffset + ") does not fit the " + size + "-byte file; truncated or corrupt");
        }
        ByteBuffer dir = readFully(file, channel, dirOffset, (int) dirSize);
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (long i = 0; i < count; i++) {
            Entry e = centralEntry(file, dir);
            if (entries.put(e.name(), e) != null) {
                throw new CheckpointFormatException(file + ": zip entry \"" + e.name() + "\" appears twice");
            }
        }
        return new ZipIndex(file, channel, size, Collections.unmodifiableMap(entries));
    }

    private static Entry centralEntry(Path file, ByteBuffer dir) throws CheckpointFormatException {
        if (dir.remaining() < 46 || dir.getInt(dir.position()) != CENTRAL_SIG) {
            throw new CheckpointFormatException(file + ": corrupt zip central directory");
        }
        int p = dir.position();
        int method = dir.getShort(p + 10) & 0xFFFF;
        long compressed = dir.getInt(p + 20) & 0xFFFFFFFFL;
        long size = dir.getInt(p + 24) & 0xFFFFFFFFL;
        int nameLength = dir.getShort(p + 28) & 0xFFFF;
        int extraLength = dir.getShort(p + 30) & 0xFFFF;
        int commentLength = dir.getShort(p + 32) & 0xFFFF;
        long localOffset = dir.getInt(p + 42) & 0xFFFFFFFFL;
        if (dir.remaining() < 46 + nameLength + extraLength + commentLength) {
            throw new CheckpointFormatException(file + ": corrupt zip central directory");
        }
        byte[] nameBytes = new byte[nameLength];
        dir.position(p + 46);
        dir.get(nameBytes);
        String name = new String(nameBytes, StandardCharsets.UTF_8);
        int extraEnd = dir.position() + extraLength;
        while (dir.position() + 4 <= extraEnd) {
            int id = dir.getShort() & 0xFFFF;
            int length = dir.getShort() & 0xFFFF;
            int next = dir.position() + length;
            if (next > extraEnd) {
                throw new CheckpointFormatException(file + ": corrupt extra field in zip entry \"" + name + "\"");
            }
            if (id == 0x0001) {
                if (size == 0xFFFFFFFFL && dir.position() + 8 <= next) {
                    size = dir.getLong();
                }
                if (compressed == 0xFFFFFFFFL && dir.position() + 8 <= next) {
                    compressed = dir.getLong();
                }
                if (localOffset == 0xFFFFFFFFL && dir.position() + 8 <= next) {
                    localOffset = dir.getLong();
                }
            }
            dir.position(next);
        }
        dir.position(extraEnd + commentLength);
        return new Entry(name, method, compressed, size, localOffset);
    }

    private static ByteBuffer readFully(Path file, FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                throw new CheckpointFormatException(file + ": file ends unexpectedly (truncated zip archive)");
            }
        }
        return buf.flip();
    }

    /** @return every entry, in directory order */
    Map<String, Entry> entries() {
        return entries;
    }

    /**
     * Finds where an entry's bytes start, checking that it is stored and lies inside the file.
     *
     * @param e an entry of this archive
     * @return the absolute offset of its first data byte
     * @throws CheckpointFormatException if it is compressed or its bytes are not all in the file
     */
    long dataOffset(Entry e) throws IOException {
        if (e.method() != 0) {
            throw new CheckpointFormatException(file + ": zip entry \"" + e.name() + "\" is compressed (method "
                    + e.method() + "); torch.save stores entries uncompressed, and only those can be read");
        }
        if (e.compressedSize() != e.size()) {
            throw new CheckpointFormatException(file + ": zip entry \"" + e.name() + "\" is stored but its sizes "
                    + e.compressedSize() + " and " + e.size() + " differ");
        }
        if (e.localHeaderOffset() < 0 || e.localHeaderOffset() > fileSize - 30) {
            throw new CheckpointFormatException(file + ": zip entry \"" + e.name() + "\" has its header outside the file");
        }
        ByteBuffer local = readFully(file, channel, e.localHeaderOffset(), 30);
        if (local.getInt(0) != LOCAL_SIG) {
            throw new CheckpointFormatException(file + ": zip entry \"" + e.name() + "\" has no local header at "
                    + e.localHeaderOffset());
        }
        long start = e.localHeaderOffset() + 30 + (local.getShort(26) & 0xFFFF) + (local.getShort(28) & 0xFFFF);
        if (e.size() < 0 || start > fileSize || e.size() > fileSize - start) {
            throw new CheckpointFormatException(file + ": zip entry \"" + e.name() + "\" (" + e.size()
                    + " bytes at " + start + ") runs past the end of the " + fileSize + "-byte file; truncated?");
        }
        return start;
    }

    /**
     * Reads a whole small entry into memory.
     *
     * @param e the entry
     * @param limit the most bytes accepted
     * @return its bytes, little-endian buffer at position 0
     */
    ByteBuffer readEntry(Entry e, long limit) throws IOException {
        long start = dataOffset(e);
        if (e.size() > limit) {
            throw new CheckpointFormatException(file + ": zip entry \"" + e.name() + "\" is " + e.size()
                    + " bytes, more than the " + limit + " accepted");
        }
        return readFully(file, channel, start, (int) e.size());
    }
}
