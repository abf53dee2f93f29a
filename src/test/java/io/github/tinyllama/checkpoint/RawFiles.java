package io.github.tinyllama.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors bytes by hand, so tests can describe any layout, valid or not. */
final class RawFiles {
    private RawFiles() {
    }

    /** Writes a length prefix that may lie, then the header bytes, then {@code dataBytes} bytes of data. */
    static Path write(Path file, long declaredHeaderLength, byte[] header, int dataBytes) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(declaredHeaderLength).put(header);
        for (int i = 0; i < dataBytes; i++) {
            buf.put((byte) i);
        }
        Files.write(file, buf.array());
        return file;
    }

    /** Writes a file with a truthful header length. */
    static Path write(Path file, String headerJson, int dataBytes) throws IOException {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        return write(file, header.length, header, dataBytes);
    }
}
